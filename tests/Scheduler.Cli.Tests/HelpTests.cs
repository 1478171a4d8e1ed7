using System.Text.RegularExpressions;

namespace Scheduler.Cli.Tests;

/// <summary>Help comes from the option definitions, so it states the defaults the commands really use.</summary>
public sealed class HelpTests
{
    /// <summary>The help entry of <paramref name="option"/>: its line and the wrapped lines that continue it, in one line.</summary>
    private static string Entry(string help, string option)
    {
        var lines = help.Split('\n');
        var start = Array.FindIndex(lines, l => Regex.IsMatch(l, $@"^\s+(-\S+, )*{Regex.Escape(option)}\b"));
        Assert.True(start >= 0, $"no help line starts with {option}:\n{help}");
        var entry = lines[start].Trim();
        for (var i = start + 1; i < lines.Length && lines[i].StartsWith("    ", StringComparison.Ordinal) && !lines[i].TrimStart().StartsWith('-'); i++)
            entry += " " + lines[i].Trim();
        return entry;
    }

    [Fact]
    public void Run_help_states_trace_arrivals_at_100x_and_puts_config_on_its_own_line()
    {
        var run = CliRun.Of("run", "--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("[default: trace]", Entry(run.Stdout, "--arrivals"));
        Assert.Contains("[default: 100]", Entry(run.Stdout, "--rate-scale"));
        Assert.Contains("[default: 8]", Entry(run.Stdout, "--ranks"));
        Assert.StartsWith("--config", Entry(run.Stdout, "--config"));
    }

    [Fact]
    public void Simulate_help_states_backlog_arrivals_at_the_recorded_rate()
    {
        var run = CliRun.Of("simulate", "--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("[default: backlog]", Entry(run.Stdout, "--arrivals"));
        Assert.Contains("[default: 1]", Entry(run.Stdout, "--rate-scale"));
        Assert.Contains("[default: 32]", Entry(run.Stdout, "--ranks"));
    }

    [Fact]
    public void Help_with_a_command_name_prints_that_commands_help()
    {
        var help = CliRun.Of("help", "run");

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--engine", help.Stdout);
        Assert.Equal(CliRun.Of("run", "--help").Stdout, help.Stdout);
    }

    [Fact]
    public void Help_for_an_unknown_command_exits_2_naming_it()
    {
        var help = CliRun.Of("help", "serv");

        Assert.Equal(2, help.ExitCode);
        Assert.Contains("serv", Assert.Single(help.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [InlineData]
    [InlineData("help")]
    [InlineData("--help")]
    public void No_command_prints_the_command_list(params string[] args)
    {
        var run = CliRun.Of(args);

        Assert.Equal(0, run.ExitCode);
        foreach (var command in new[] { "run", "simulate", "gap", "sweep", "calibrate" })
            Assert.Matches($@"(?m)^\s+{command}\s", run.Stdout);
        Assert.DoesNotContain("--engine", run.Stdout);
    }

    [Fact]
    public void Version_prints_the_informational_version_and_exits_0()
    {
        var run = CliRun.Of("--version");

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", run.Stdout);
        Assert.Equal("", run.Stderr);
    }
}
