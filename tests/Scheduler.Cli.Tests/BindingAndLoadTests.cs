using System.Globalization;
using System.Text.Json;

namespace Scheduler.Cli.Tests;

/// <summary><c>--binding pool|arrival</c> and <c>--load ρ</c> in simulate and compare.</summary>
public sealed class BindingAndLoadTests : IDisposable
{
    private const string Timed = "synthetic:shape=chat;count=300;seed=3;rate=20";
    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-binding-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string OneErrorLine(CliRun run)
    {
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        return line;
    }

    private static JsonElement[] Json(CliRun run)
    {
        Assert.True(run.ExitCode == 0, run.Stderr);
        return JsonDocument.Parse(run.Stdout).RootElement.EnumerateArray().ToArray();
    }

    [Fact]
    public void Simulate_with_arrival_binding_runs_each_policy_s_router()
    {
        var run = CliRun.Of("simulate", "--trace", Timed, "--arrivals", "trace", "--ranks", "4", "--batch", "8",
            "--binding", "arrival", "--policy", "vllm,trtllm:stale=0.05,bfio", "--format", "json");

        var rows = Json(run);
        Assert.Equal(["vllm", "trtllm:stale=0.05", "bfio"], rows.Select(r => r.GetProperty("policy").GetString()));
        Assert.All(rows, r => Assert.Equal(300, r.GetProperty("requests").GetInt32()));
        Assert.Contains("binding arrival", run.Stderr);
    }

    [Fact]
    public void Arrival_binding_without_policy_runs_every_router_and_pool_results_are_unchanged_by_the_option()
    {
        var arrival = CliRun.Of("simulate", "--trace", Timed, "--ranks", "4", "--batch", "8", "--binding", "arrival", "--format", "csv", "--quiet");
        Assert.Equal(0, arrival.ExitCode);
        // Header plus one row per router: vllm, sglang-requests, sglang-tokens, trtllm, p2c, round-robin, random, bfio.
        Assert.Equal(1 + 8, arrival.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        string[] pool = ["simulate", "--trace", Timed, "--ranks", "4", "--batch", "8", "--policy", "fcfs,bfio-ref:h=0", "--format", "json", "--quiet"];
        var implicitPool = Json(CliRun.Of(pool));
        var explicitPool = Json(CliRun.Of([.. pool, "--binding", "pool"]));
        for (var p = 0; p < 2; p++)
            Assert.Equal(implicitPool[p].GetProperty("avg_imbalance").GetDouble(), explicitPool[p].GetProperty("avg_imbalance").GetDouble());
    }

    [Theory]
    [InlineData("fcfs")]
    [InlineData("bfio-ref:h=0")]
    public void A_policy_without_an_arrival_form_is_one_error_line_naming_it(string policy)
    {
        var line = OneErrorLine(CliRun.Of("simulate", "--binding", "arrival", "--policy", $"vllm,{policy}", "--quiet"));

        Assert.Contains($"'{policy}'", line);
        Assert.Contains("arrival", line);
    }

    [Fact]
    public void A_bad_binding_or_router_key_is_named()
    {
        var binding = OneErrorLine(CliRun.Of("simulate", "--binding", "sometimes"));
        Assert.Contains("--binding", binding);
        Assert.Contains("sometimes", binding);

        Assert.Contains("seed", OneErrorLine(CliRun.Of("simulate", "--binding", "arrival", "--policy", "round-robin:seed=3", "--quiet")));
    }

    [Fact]
    public void Load_rescales_timed_arrivals_to_a_share_of_capacity()
    {
        string[] common = ["simulate", "--trace", Timed, "--arrivals", "trace", "--ranks", "4", "--batch", "8", "--policy", "fcfs", "--format", "json"];
        var light = CliRun.Of([.. common, "--load", "0.5"]);
        var heavy = CliRun.Of([.. common, "--load", "1.5"]);

        Assert.Contains("load 0.5 of capacity", light.Stderr);
        var lightRun = Json(light)[0];
        var heavyRun = Json(heavy)[0];
        // Three times the arrival rate: a shorter run and longer queues.
        Assert.True(heavyRun.GetProperty("makespan").GetDouble() < lightRun.GetProperty("makespan").GetDouble());
        Assert.True(heavyRun.GetProperty("queue_delay_p99").GetDouble() > lightRun.GetProperty("queue_delay_p99").GetDouble());
    }

    [Fact]
    public void Load_and_rate_scale_exclude_each_other_and_load_needs_timed_arrivals()
    {
        var both = OneErrorLine(CliRun.Of("simulate", "--trace", Timed, "--arrivals", "trace", "--load", "0.8", "--rate-scale", "2"));
        Assert.Contains("--load", both);
        Assert.Contains("--rate-scale", both);

        Assert.Contains("--arrivals trace", OneErrorLine(CliRun.Of("simulate", "--trace", Timed, "--load", "0.8")));

        var zero = OneErrorLine(CliRun.Of("simulate", "--load", "0"));
        Assert.Contains("--load 0", zero);

        Assert.Contains("timed arrivals", OneErrorLine(CliRun.Of("simulate", "--trace", "synthetic:shape=chat;count=50", "--arrivals", "trace", "--load", "0.8", "--quiet")));
    }

    [Fact]
    public void Help_states_the_binding_default_and_the_load_option()
    {
        var simulate = CliRun.Of("simulate", "--help").Stdout;
        Assert.Contains("--binding", simulate);
        Assert.Contains("[default: pool]", simulate[simulate.IndexOf("--binding", StringComparison.Ordinal)..]);
        Assert.Contains("--load", simulate);
        Assert.Contains("vllm", simulate[simulate.IndexOf("--binding arrival", StringComparison.Ordinal)..]);

        Assert.Contains("--binding", CliRun.Of("compare", "--help").Stdout);
    }

    [Fact]
    public void Run_with_arrival_binding_gives_the_same_summary_as_simulate()
    {
        string[] common = ["--requests", CliRun.RepoFile("data/fixtures/burst-n20000-seed7.requests.csv"), "--count", "800", "--seed", "3",
            "--ranks", "4", "--batch", "8", "--arrivals", "backlog", "--binding", "arrival", "--policy", "vllm,bfio", "--format", "json", "--quiet"];

        var run = Json(CliRun.Of(["run", .. common]));
        var simulate = Json(CliRun.Of(["simulate", .. common]));

        Assert.Equal(["vllm", "bfio"], run.Select(r => r.GetProperty("policy").GetString()));
        for (var i = 0; i < 2; i++)
            foreach (var key in new[] { "avg_imbalance", "throughput", "makespan", "avg_finish_time" })
                Assert.Equal(simulate[i].GetProperty(key).GetDouble(), run[i].GetProperty(key).GetDouble(), 9);
        Assert.Contains("'fcfs'", OneErrorLine(CliRun.Of("run", "--binding", "arrival", "--policy", "fcfs")));
    }

    [Fact]
    public void Run_at_an_offered_load_replays_the_arrivals_simulate_rescales_and_a_streamed_file_is_refused()
    {
        string[] common = ["--trace", Timed, "--arrivals", "trace", "--ranks", "4", "--batch", "8", "--binding", "arrival",
            "--policy", "sglang-tokens", "--load", "1.2", "--format", "json"];

        var run = CliRun.Of(["run", .. common]);
        var simulate = CliRun.Of(["simulate", .. common]);

        Assert.Contains("load 1.2 of capacity", run.Stderr);
        foreach (var key in new[] { "makespan", "avg_imbalance", "queue_delay_p99" })
            Assert.Equal(Json(simulate)[0].GetProperty(key).GetDouble(), Json(run)[0].GetProperty(key).GetDouble(), 9);
        var streamed = OneErrorLine(CliRun.Of("run", "--requests", CliRun.RepoFile("data/fixtures/burst-n20000-seed7.requests.csv"), "--load", "0.8"));
        Assert.Contains("--load needs the input read whole", streamed);
    }

    [Fact]
    public void Compare_with_arrival_binding_runs_the_routers_over_its_matrix()
    {
        var run = CliRun.Of("compare", "--shapes", "chat", "--ranks", "4", "--batch", "8", "--seeds", "1", "--requests-per-slot", "2",
            "--loads", "0.8", "--binding", "arrival", "--policy", "vllm,round-robin,bfio", "--out", _dir, "--quiet", "--parallel", "2");

        Assert.True(run.ExitCode == 0, run.Stderr);
        var lines = File.ReadAllLines(Path.Combine(_dir, "compare.csv"));
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        // One shape × (backlog + one load) × three routers.
        Assert.Equal(2 * 3, rows.Count);
        Assert.Equal(["vllm", "round-robin", "bfio"], rows.Take(3).Select(r => r[Array.IndexOf(header, "policy")]));
        var throughput = Array.IndexOf(header, "rel_throughput");
        foreach (var cell in rows.GroupBy(r => r[4]))
            Assert.Equal(1.0, cell.Min(r => double.Parse(r[throughput], CultureInfo.InvariantCulture)));
        Assert.Contains("bfio: wins", run.Stdout);

        Assert.Contains("'jsq'", OneErrorLine(CliRun.Of("compare", "--binding", "arrival", "--policy", "jsq", "--out", _dir)));
    }
}
