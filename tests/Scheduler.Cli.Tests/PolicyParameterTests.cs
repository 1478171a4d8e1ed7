using Scheduler.Cli.Commands;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;
using Scheduler.Runtime.Hosting;

namespace Scheduler.Cli.Tests;

/// <summary>Policy parameters on the command line and in HOCON (<c>scheduler.policies.NAME.KEY</c>).</summary>
public sealed class PolicyParameterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-policy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string OneErrorLine(CliRun run)
    {
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        return line;
    }

    [Theory]
    [InlineData("bfio:predicter=none", "unknown key 'predicter'")]
    [InlineData("bfio:h=-1", "h=-1 must be ≥ 0")]
    [InlineData("fcfs,bfio-ref:h=zero", "h=zero must be an integer")]
    public void A_bad_policy_parameter_is_one_line_naming_the_policy_and_the_key(string policies, string expected)
    {
        var line = OneErrorLine(CliRun.Of("simulate", "--policy", policies, "--count", "20"));

        Assert.Contains($"policy '{policies.Split(',')[^1]}'", line);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("Parameter '", line);
    }

    [Fact]
    public void The_shipped_policy_defaults_in_hocon_are_the_codes_defaults()
    {
        var defaults = new PolicyDefaults { Configured = PolicyConfigSection.Read(RuntimeConfig.Defaults) };

        Assert.Equal(PolicyCatalog.Names.Where(n => PolicyCatalog.KeysOf(n).Count > 0).Order(), defaults.Configured.Keys.Order());
        foreach (var name in defaults.Configured.Keys)
            Assert.Equal(PolicyCatalog.KeysOf(name).Order(), defaults.Configured[name].Keys.Order());
        var bfio = (BfioPolicy)PolicyCatalog.Create(PolicySpec.Parse("bfio"), defaults);
        Assert.Equal(new BfioSettings(), bfio.Settings);
        Assert.Equal(new PolicyDefaults().Predictor, bfio.Predictor.Name);
        Assert.Equal(ReferenceConstants.BfioDefaultHorizon, int.Parse(defaults.Configured["bfio-ref"]["h"]));
    }

    [Fact]
    public void A_config_file_tunes_a_policy_and_a_bad_value_in_it_is_named_before_anything_runs()
    {
        var bad = Path.Combine(_dir, "bad.conf");
        File.WriteAllText(bad, "scheduler.policies.bfio { decay = 2 }\n");

        var line = OneErrorLine(CliRun.Of("run", "--count", "20", "--ranks", "2", "--batch", "2", "--policy", "bfio", "--quiet", "--config", bad));

        Assert.Contains("scheduler.policies.bfio.decay = 2 must lie in (0, 1]", line);
    }
}
