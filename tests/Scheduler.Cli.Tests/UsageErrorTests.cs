namespace Scheduler.Cli.Tests;

/// <summary>Bad command lines: exit code 2 and one line on stderr that names what was wrong.</summary>
public sealed class UsageErrorTests
{
    private static string OneErrorLine(CliRun run)
    {
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        return line;
    }

    [Theory]
    [InlineData("run", "--no-such-option")]
    [InlineData("simulate", "--rank")]
    [InlineData("gap", "--engine")]
    [InlineData("sweep", "--arrivals")]
    [InlineData("calibrate", "--ranks")]
    public void An_unknown_option_is_named(string command, string option)
    {
        Assert.Contains(option, OneErrorLine(CliRun.Of(command, option, "1")));
    }

    [Fact]
    public void An_unknown_command_is_named()
    {
        Assert.Contains("'serv'", OneErrorLine(CliRun.Of("serv")));
    }

    [Theory]
    [InlineData("run", "--ranks", "abc")]
    [InlineData("run", "--ranks", "0")]
    [InlineData("simulate", "--batch", "-3")]
    [InlineData("simulate", "--rate-scale", "0")]
    [InlineData("simulate", "--arrivals", "sometimes")]
    [InlineData("gap", "--exact-nodes", "-1")]
    [InlineData("sweep", "--ranks", "4,x")]
    [InlineData("calibrate", "--grid", "huge")]
    public void A_bad_value_is_named_with_its_option(string command, string option, string value)
    {
        var line = OneErrorLine(CliRun.Of(command, option, value));

        Assert.Contains(option, line);
        Assert.Contains(value, line);
    }

    [Fact]
    public void An_option_given_twice_is_refused()
    {
        Assert.Contains("--ranks", OneErrorLine(CliRun.Of("simulate", "--ranks", "1", "--ranks", "2")));
    }

    [Fact]
    public void A_value_without_its_option_is_refused()
    {
        Assert.Contains("'8'", OneErrorLine(CliRun.Of("simulate", "8")));
    }
}
