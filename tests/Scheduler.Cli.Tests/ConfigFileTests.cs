using System.Text.Json;

namespace Scheduler.Cli.Tests;

/// <summary><c>--config FILE</c>: a file that is missing or that the runtime cannot read is a usage error naming the file.</summary>
public sealed class ConfigFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string OneErrorLine(CliRun run)
    {
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        return line;
    }

    private static CliRun SmallRun(string config) =>
        CliRun.Of("run", "--count", "50", "--ranks", "2", "--batch", "2", "--policy", "fcfs", "--quiet", "--config", config);

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = Path.Combine(_dir, "nonexistent.conf");

        Assert.Contains(path, OneErrorLine(SmallRun(path)));
    }

    [Theory]
    [InlineData("scheduler.runtime.ingest.max-batch = abc")]                 // not an integer
    [InlineData("scheduler.runtime.cluster.startup-timeout = soon")]         // not a duration
    [InlineData("scheduler.runtime.ingest.max-batch = -1")]                  // out of range
    [InlineData("scheduler.runtime.ingest.max-batch = ${no-such-setting}")]  // unresolved substitution
    [InlineData("[1, 2]")]                                                   // not an object at all
    [InlineData("include \"other.conf\"")]                                   // includes are not supported
    public void A_file_the_runtime_cannot_read_is_named_without_a_stack_trace(string hocon)
    {
        var path = Path.Combine(_dir, "bad.conf");
        File.WriteAllText(path, hocon + "\n");

        Assert.Contains(path, OneErrorLine(SmallRun(path)));
    }

    [Theory]
    [InlineData("scheduler.runtime.barrier.step-timout = 2s", "unknown key 'scheduler.runtime.barrier.step-timout' (did you mean 'scheduler.runtime.barrier.step-timeout'?)")]
    [InlineData("scheduler { runtime { ", "not valid HOCON: '{' on line 1 is never closed")]
    [InlineData("scheduler.runtime.ingest.max-batch = lots", "scheduler.runtime.ingest.max-batch = lots: not an integer")]
    [InlineData("scheduler.service.ranks = many", "scheduler.service.ranks = many: not an integer")]
    public void A_misspelt_key_a_malformed_file_or_a_bad_value_is_one_line_naming_the_file_and_the_key(string hocon, string message)
    {
        var path = Path.Combine(_dir, "bad.conf");
        File.WriteAllText(path, hocon + "\n");

        foreach (var run in new[] { SmallRun(path), CliRun.Of("serve", "--config", path, "--http", "off") })
        {
            var line = OneErrorLine(run);
            Assert.Contains(path, line);
            Assert.Contains(message, line);
        }
    }

    [Fact]
    public void A_cost_model_in_the_config_file_applies_unless_the_command_line_names_one()
    {
        var path = Path.Combine(_dir, "cost.conf");
        File.WriteAllText(path, "scheduler.cost-model { kind = affine, alpha = 0.02, beta = 0, gamma = 0 }\n");
        string[] common = ["run", "--count", "100", "--ranks", "2", "--batch", "4", "--arrivals", "backlog", "--policy", "fcfs",
            "--format", "json", "--quiet", "--config", path];

        var fromConfig = JsonDocument.Parse(CliRun.Of(common).Stdout).RootElement[0];
        var named = JsonDocument.Parse(CliRun.Of([.. common, "--cost-model", "reference"]).Stdout).RootElement[0];

        Assert.Equal(0.02 * fromConfig.GetProperty("steps").GetInt32(), fromConfig.GetProperty("makespan").GetDouble(), 6);
        Assert.NotEqual(0.02 * named.GetProperty("steps").GetInt32(), named.GetProperty("makespan").GetDouble(), 6);
    }
}
