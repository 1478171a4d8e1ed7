using System.Text.Json;

namespace Scheduler.Cli.Tests;

public sealed class SimulateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string SmallRequests(int count = 200)
    {
        var path = Path.Combine(_dir, "small.csv");
        var lines = new List<string> { "id,prompt_tokens,output_tokens,predicted_output_tokens" };
        var rng = new Random(3);
        for (var i = 0; i < count; i++)
        {
            var o = rng.Next(1, 60);
            lines.Add($"{i},{rng.Next(1, 900)},{o},{o}");
        }
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void Warm_up_runs_are_discarded_and_leave_the_measured_run_unchanged()
    {
        var input = SmallRequests();
        string[] common = ["simulate", "--requests", input, "--ranks", "4", "--batch", "8", "--policy", "bfio,bfio:predictor=online", "--format", "json"];
        var cold = CliRun.Of([.. common, "--quiet"]);
        var warm = CliRun.Of([.. common, "--warmup", "2"]);

        Assert.Equal(0, cold.ExitCode);
        Assert.Equal(0, warm.ExitCode);
        Assert.Contains("bfio: 2 warm-up run(s) discarded", warm.Stderr);
        var a = JsonDocument.Parse(cold.Stdout).RootElement;
        var b = JsonDocument.Parse(warm.Stdout).RootElement;
        Assert.Equal(2, b.GetArrayLength());
        // A warm-up run shares nothing with the measured one (fresh policy, so the online predictor starts
        // from scratch): every placement figure is identical; only the timings may differ.
        for (var p = 0; p < 2; p++)
            foreach (var key in new[] { "avg_imbalance", "throughput", "steps", "last_admission_step", "decisions" })
                Assert.Equal(a[p].GetProperty(key).GetDouble(), b[p].GetProperty(key).GetDouble());
        Assert.Equal(2, CliRun.Of("simulate", "--warmup", "-1").ExitCode);
    }

    [Fact]
    public void Json_output_has_one_object_per_policy_with_every_documented_key()
    {
        var run = CliRun.Of("simulate", "--requests", SmallRequests(), "--ranks", "4", "--batch", "8",
            "--policy", "fcfs,bfio-ref:h=0,jsq", "--format", "json", "--quiet");

        Assert.Equal(0, run.ExitCode);
        var array = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal(3, array.GetArrayLength());
        Assert.Equal(["fcfs", "bfio-ref:h=0", "jsq"], array.EnumerateArray().Select(e => e.GetProperty("policy").GetString()));
        string[] keys =
        [
            "policy", "avg_imbalance", "throughput", "qpm", "avg_utilization", "avg_idle_rate", "total_energy", "avg_power",
            "makespan", "avg_finish_time", "tpot", "steps", "last_admission_step", "barrier_idle_fraction",
            "decision_us_median", "decision_us_p99", "wall_s",
        ];
        foreach (var element in array.EnumerateArray())
            foreach (var key in keys)
                Assert.True(element.TryGetProperty(key, out _), $"missing key {key}");
        Assert.All(array.EnumerateArray(), e => Assert.Equal(200, e.GetProperty("requests").GetInt32()));
    }

    [Fact]
    public void Table_output_shows_policies_side_by_side()
    {
        var run = CliRun.Of("simulate", "--requests", SmallRequests(), "--ranks", "2", "--batch", "4", "--policy", "fcfs,round-robin", "--quiet");

        Assert.Equal(0, run.ExitCode);
        var header = run.Stdout.Split('\n')[0];
        Assert.Contains("fcfs", header);
        Assert.Contains("round-robin", header);
        Assert.Contains("avg imbalance", run.Stdout);
    }

    [Fact]
    public void Out_directory_receives_steps_admissions_and_requests_per_policy()
    {
        var outDir = Path.Combine(_dir, "out");
        var run = CliRun.Of("simulate", "--requests", SmallRequests(50), "--ranks", "2", "--batch", "4", "--policy", "fcfs", "--out", outDir, "--quiet");

        Assert.Equal(0, run.ExitCode);
        var admissions = File.ReadAllLines(Path.Combine(outDir, "fcfs.admissions.csv"));
        Assert.Equal(51, admissions.Length);
        Assert.True(File.ReadAllLines(Path.Combine(outDir, "fcfs.steps.csv")).Length > 1);
        Assert.Equal(51, File.ReadAllLines(Path.Combine(outDir, "fcfs.requests.csv")).Length);
    }

    [Fact]
    public void A_malformed_request_file_exits_2_with_one_line_naming_file_and_line()
    {
        var path = Path.Combine(_dir, "bad.csv");
        File.WriteAllLines(path, ["id,prompt_tokens,output_tokens,predicted_output_tokens", "0,10,5,5", "1,abc,5,5"]);

        var run = CliRun.Of("simulate", "--requests", path, "--quiet");

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"{path}:3", line);
        Assert.Equal("", run.Stdout);
    }

    [Theory]
    [InlineData("--ranks", "zero")]
    [InlineData("--ranks", "0")]
    [InlineData("--policy", "no-such-policy")]
    [InlineData("--format", "xml")]
    [InlineData("--no-such-option", "1")]
    public void Bad_options_exit_2_with_one_clear_line(string option, string value)
    {
        var run = CliRun.Of("simulate", "--requests", SmallRequests(10), option, value, "--quiet");

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
    }

    [Fact]
    public void Help_lists_every_policy()
    {
        var run = CliRun.Of("simulate", "--help");

        Assert.Equal(0, run.ExitCode);
        foreach (var name in Scheduler.Core.Policies.PolicyCatalog.Names) Assert.Contains(name, run.Stdout);
    }

    [Fact]
    public void Sampling_a_trace_gives_the_requested_count()
    {
        var run = CliRun.Of("simulate", "--trace", CliRun.RepoFile("data/traces/azure-llm-2023-conv.csv"), "--count", "500",
            "--ranks", "4", "--batch", "8", "--policy", "fcfs", "--format", "json", "--quiet");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(500, JsonDocument.Parse(run.Stdout).RootElement[0].GetProperty("requests").GetInt32());
    }
}

public sealed class CostModelOptionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-cost-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void An_affine_spec_gives_the_affine_model()
    {
        var model = Assert.IsType<Scheduler.Core.CostModels.AffineCost>(Commands.CostModelOption.Parse("affine:alpha=0.01;beta=0.001;gamma=1e-6", 72));
        Assert.Equal(0.01 + 0.001 * 3 + 1e-6 * 100, model.RankSeconds(3, 100), 15);
    }

    [Fact]
    public void A_calibration_hocon_file_gives_the_affine_model()
    {
        var path = Path.Combine(_dir, "cost.conf");
        File.WriteAllText(path, "# fitted\nscheduler.cost-model {\n  kind = affine\n  alpha = 0.002\n  beta = 0.0001\n  gamma = 2e-7\n}\n");

        var model = Assert.IsType<Scheduler.Core.CostModels.AffineCost>(Commands.CostModelOption.Parse(path, 72));
        Assert.Equal(new Scheduler.Core.CostModels.AffineCost(0.002, 0.0001, 2e-7), model);
    }

    [Theory]
    [InlineData("affine:alpha=1;beta=2")]
    [InlineData("affine:alpha=x;beta=2;gamma=3")]
    [InlineData("affine:alpha=-1;beta=2;gamma=3")]
    [InlineData("/no/such/file.conf")]
    public void A_bad_cost_model_exits_2_with_one_line(string spec)
    {
        var run = CliRun.Of("simulate", "--requests", CliRun.RepoFile("data/fixtures/burst-n20000-seed7.requests.csv"), "--cost-model", spec, "--quiet");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--cost-model", Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Simulate_with_an_affine_model_changes_step_times_not_admission_counts()
    {
        var args = new[] { "simulate", "--requests", CliRun.RepoFile("data/fixtures/burst-n20000-seed7.requests.csv"), "--ranks", "16", "--batch", "32", "--policy", "fcfs", "--format", "json", "--quiet" };
        var reference = System.Text.Json.JsonDocument.Parse(CliRun.Of(args).Stdout).RootElement[0];
        var affine = System.Text.Json.JsonDocument.Parse(CliRun.Of([.. args, "--cost-model", "affine:alpha=0.02;beta=0;gamma=0"]).Stdout).RootElement[0];

        Assert.Equal(reference.GetProperty("steps").GetInt32(), affine.GetProperty("steps").GetInt32());
        Assert.Equal(0.02 * affine.GetProperty("steps").GetInt32(), affine.GetProperty("makespan").GetDouble(), 6);
    }
}

public sealed class ShippedConfigTests
{
    [Fact]
    public void The_shipped_cost_model_file_loads_as_an_affine_model()
    {
        var model = Assert.IsType<Scheduler.Core.CostModels.AffineCost>(
            Commands.CostModelOption.Parse(CliRun.RepoFile("config/cost-model.conf"), 72));
        Assert.True(model.RankSeconds(16, 32_768) > 0);
    }
}
