using System.Diagnostics;
using Xunit.Abstractions;

namespace Scheduler.Cli.Tests.Processes.Cluster;

/// <summary>Several real processes on loopback at once: these tests run one at a time.</summary>
[CollectionDefinition("cluster", DisableParallelization = true)]
public sealed class ClusterCollection;

/// <summary>
/// <c>scheduler serve</c> as a cluster of real processes on loopback: a balancer+ingress node and rank hosts that join
/// it, each rank placed on a host that declared it; every id ends in exactly one result, also when a rank host is
/// killed with SIGKILL mid-stream.
/// </summary>
[Collection("cluster")]
public sealed class ClusterServeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-cluster-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary><paramref name="count"/> requests as JSON lines with string ids (outputs short: a cluster step costs a
    /// round trip between processes, and the test must not take minutes).</summary>
    private (string Path, HashSet<string> Ids) RequestFile(int count, int maxOutput)
    {
        var path = Path.Combine(_dir, "requests.jsonl");
        var random = new Random(29);
        var ids = new HashSet<string>();
        using var writer = new StreamWriter(path);
        for (var i = 0; i < count; i++)
        {
            var id = $"c-{i:x5}";
            ids.Add(id);
            writer.WriteLine($"{{\"id\": \"{id}\", \"prompt_tokens\": {random.Next(16, 2048)}, \"output_tokens\": {random.Next(1, maxOutput + 1)}}}");
        }
        return (path, ids);
    }

    [Fact]
    public async Task A_balancer_and_two_rank_hosts_serve_twenty_thousand_requests_with_one_result_each_on_the_ranks_each_host_declared()
    {
        var (requests, ids) = RequestFile(20_000, maxOutput: 12);
        const int ranks = 8;
        var clock = Stopwatch.StartNew();
        await using var cluster = new LocalCluster(_dir);
        var balancer = cluster.StartBalancer("file:" + requests, ranks, batch: 64);
        cluster.StartRankHost(4, ranks, batch: 64);
        cluster.StartRankHost(4, ranks, batch: 64);
        Assert.True(await balancer.ExitAsync(TimeSpan.FromMinutes(3)) == 0, balancer.Stderr);
        var results = cluster.ReadResults();
        output.WriteLine($"3 processes: {results.Count} results in {clock.Elapsed.TotalSeconds:0.0} s");

        Assert.Equal(ids.Count, results.Count);
        Assert.True(ids.SetEquals(results.Select(r => r.Id)), "every id has exactly one result");
        Assert.All(results, r => Assert.Equal("completed", r.Status));
        Assert.Equal(Enumerable.Range(0, ranks), results.Select(r => r.Rank).Distinct().Order());
        // Both hosts joined the balancer's cluster and declared their four ranks.
        Assert.Contains(balancer.StderrLines, l => l.Contains("rank hosts declare 8 of 8 ranks", StringComparison.Ordinal));
        // The summary times the round trip to the rank hosts, and their own share of it, which is less.
        var summary = System.Text.Json.JsonDocument.Parse(balancer.Stdout).RootElement;
        var roundTrip = summary.GetProperty("host_round_trip_ms_p50").GetDouble();
        var held = summary.GetProperty("host_held_ms_p50").GetDouble();
        output.WriteLine($"round trip to a rank host p50 {roundTrip:0.000} ms, of which the host's work {held:0.000} ms");
        Assert.InRange(held, 0.0, roundTrip);
        Assert.True(held > 0, "the hosts report how long they held a step");

        // The same input through one node completes the same ids.
        var single = Path.Combine(_dir, "single.jsonl");
        await using var one = SchedulerProcess.Start(["serve", "--source", "file:" + requests, "--results", "file:" + single, "--ranks", $"{ranks}",
            "--batch", "64", "--time-scale", "0", "--http", "off", "--metrics-snapshot", "", "--format", "json"], _dir);
        Assert.True(await one.ExitAsync(TimeSpan.FromMinutes(2)) == 0, one.Stderr);
        // A cluster of one has no remote rank host to time.
        Assert.Equal(System.Text.Json.JsonValueKind.Null, System.Text.Json.JsonDocument.Parse(one.Stdout).RootElement.GetProperty("host_round_trip_ms_p50").ValueKind);
        var alone = File.ReadLines(single).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()!).ToHashSet();
        Assert.True(alone.SetEquals(results.Select(r => r.Id)));
    }

    [Fact]
    public async Task A_rank_host_killed_mid_stream_loses_no_request_its_ranks_restart_on_the_survivor_and_every_id_completes_once()
    {
        var (requests, ids) = RequestFile(3_000, maxOutput: 40);
        const int ranks = 8;
        await using var cluster = new LocalCluster(_dir);
        // Real time (the reference cost model's step times), so the stream is still running when the host dies.
        var balancer = cluster.StartBalancer("file:" + requests, ranks, batch: 32, timeScale: "1");
        cluster.StartRankHost(4, ranks, batch: 32, timeScale: "1");
        var doomed = cluster.StartRankHost(4, ranks, batch: 32, timeScale: "1");
        await balancer.WaitForStderrAsync(l => l.StartsWith("serve ", StringComparison.Ordinal) && !l.Contains("completed 0,"), TimeSpan.FromMinutes(1));

        doomed.Signal(SchedulerProcess.SigKill);
        var killed = Stopwatch.StartNew();
        await doomed.ExitAsync(TimeSpan.FromSeconds(10));
        await balancer.WaitForStderrAsync(l => l.Contains("was lost and re-created", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        var recovered = killed.Elapsed;
        Assert.True(await balancer.ExitAsync(TimeSpan.FromMinutes(3)) == 0, balancer.Stderr);

        var results = cluster.ReadResults();
        Assert.Equal(ids.Count, results.Count);
        Assert.True(ids.SetEquals(results.Select(r => r.Id)), "every id has exactly one result");
        Assert.All(results, r => Assert.Equal("completed", r.Status));
        var restartLines = balancer.StderrLines.Where(l => l.Contains("was lost and re-created", StringComparison.Ordinal)).ToList();
        var restarts = restartLines.Count;
        foreach (var line in restartLines) output.WriteLine(line);
        // The lost host held four ranks; each comes back once, on the survivor.
        Assert.True(restarts == 4, string.Join('\n', balancer.StderrLines.Where(l => l.StartsWith('[') || l.StartsWith("serve:"))));
        output.WriteLine($"rank host killed: first step without it {recovered.TotalSeconds:0.0} s after SIGKILL; {restarts} ranks re-created");
    }

    [Fact]
    public async Task An_ingress_alone_feeds_the_balancer_elsewhere_writes_each_of_its_requests_one_result_and_ends_with_its_source()
    {
        var (requests, ids) = RequestFile(2_000, maxOutput: 12);
        const int ranks = 4;
        await using var cluster = new LocalCluster(_dir);
        // The balancer node's own source stays open (stdin): only the ingress node feeds it.
        var balancer = cluster.StartBalancer("stdin", ranks, batch: 32);
        cluster.StartRankHost(ranks, ranks, batch: 32);
        await balancer.WaitForStderrAsync(l => l.StartsWith("serve: stdin", StringComparison.Ordinal), TimeSpan.FromMinutes(1));

        var ingressResults = Path.Combine(_dir, "ingress-results.jsonl");
        var ingress = cluster.StartIngress("file:" + requests, "file:" + ingressResults, ranks);
        Assert.True(await ingress.ExitAsync(TimeSpan.FromMinutes(2)) == 0, ingress.Stderr);

        var results = File.ReadLines(ingressResults).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(ids.Count, results.Count);
        Assert.True(ids.SetEquals(results.Select(r => r.GetProperty("id").GetString()!)), "every id has exactly one result, on the ingress that took it");
        Assert.All(results, r => Assert.Equal("completed", r.GetProperty("status").GetString()));
        Assert.Equal(ids.Count, System.Text.Json.JsonDocument.Parse(ingress.Stdout).RootElement.GetProperty("accepted").GetInt32());
        // None of them went to the balancer node's own sink, and the balancer goes on serving until its own source ends.
        Assert.False(File.Exists(cluster.Results) && File.ReadLines(cluster.Results).Any());
        Assert.False(balancer.HasExited, balancer.Stderr);
        balancer.StandardInput.Close();
        Assert.True(await balancer.ExitAsync(TimeSpan.FromMinutes(1)) == 0, balancer.Stderr);
    }

    [Fact]
    public async Task A_balancer_without_an_ingress_is_refused_with_the_reason()
    {
        await using var node = SchedulerProcess.Start(["serve", "--roles", "balancer", "--ranks", "4", "--http", "off"], _dir);
        Assert.Equal(2, await node.ExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("a balancer node runs an ingress too", node.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_balancer_stopped_while_it_waits_for_rank_hosts_exits_zero_with_its_summary_and_no_stack_trace()
    {
        await using var cluster = new LocalCluster(_dir);
        var balancer = cluster.StartBalancer("stdin", ranks: 4, batch: 16);
        await balancer.WaitForStderrAsync(l => l.Contains("waits for rank hosts", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        balancer.Signal(SchedulerProcess.SigTerm);
        Assert.True(await balancer.ExitAsync(TimeSpan.FromMinutes(1)) == 0, balancer.Stderr);
        Assert.Contains(balancer.StderrLines, l => l.Contains("stopped while starting", StringComparison.Ordinal));
        Assert.DoesNotContain("Unhandled exception", balancer.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, System.Text.Json.JsonDocument.Parse(balancer.Stdout).RootElement.GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task A_balancer_whose_rank_hosts_never_come_fails_at_the_startup_timeout_with_one_error_line()
    {
        var config = Path.Combine(_dir, "short-startup.conf");
        await File.WriteAllTextAsync(config, "scheduler.runtime.cluster.startup-timeout = 2s\n");
        await using var cluster = new LocalCluster(_dir);
        var balancer = cluster.StartBalancer("stdin", ranks: 4, batch: 16, "0", "--config", config);
        Assert.True(await balancer.ExitAsync(TimeSpan.FromMinutes(1)) == 1, balancer.Stderr);
        Assert.Contains(balancer.StderrLines, l => l.StartsWith("error: startup: the rank hosts that joined declare 0 of the 4 ranks", StringComparison.Ordinal));
        Assert.DoesNotContain("Unhandled exception", balancer.Stderr, StringComparison.Ordinal);
    }
}
