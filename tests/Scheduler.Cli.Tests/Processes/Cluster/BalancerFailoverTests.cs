using System.Diagnostics;
using System.Text.Json;
using Scheduler.Cli.Tests.Processes.Brokers;
using Xunit.Abstractions;

namespace Scheduler.Cli.Tests.Processes.Cluster;

/// <summary>
/// The balancer node lost: two balancer+ingress nodes (the balancer a cluster singleton on the older) and two rank
/// hosts, fed from a RabbitMQ queue. The singleton's node is killed with SIGKILL mid-stream; the singleton starts on the
/// other node, adopts from the ranks what they were decoding (with their progress), the surviving ingress sends it what
/// it holds, RabbitMQ hands it the dead node's unacknowledged deliveries (which claim the adopted requests), and every id
/// ends in at least one result.
/// (In the brokers' collection: those tests stop and kill the broker servers.)
/// </summary>
[Collection("brokers")]
public sealed class BalancerFailoverTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-failover-").FullName;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => BrokerServers.EnsureStartedAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_balancer_node_killed_mid_stream_moves_the_singleton_to_the_standby_and_every_id_gets_a_result()
    {
        await using var probe = BrokerProbe.For("rabbitmq");
        var (input, results) = ($"failover-in-{_run}", $"failover-out-{_run}");
        // Declared (empty) before the nodes start, so both consume from the start and hold about half each.
        await probe.PublishAsync(input, []);

        const int ranks = 8;
        await using var cluster = new LocalCluster(_dir);
        var first = cluster.StartBalancer(probe.Uri(input), probe.Uri(results), ranks, batch: 32, timeScale: "1");
        // Real time at half speed on the ranks, so the stream is still running when the balancer's node dies.
        cluster.StartRankHost(4, ranks, batch: 32, timeScale: "2");
        cluster.StartRankHost(4, ranks, batch: 32, timeScale: "2");
        await first.WaitForStderrAsync(l => l.StartsWith("serve: rabbitmq", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        var standby = cluster.StartStandbyBalancer(probe.Uri(input), probe.Uri(results), ranks, batch: 32, "--exit-when-idle", "5");
        await standby.WaitForStderrAsync(l => l.StartsWith("serve: rabbitmq", StringComparison.Ordinal), TimeSpan.FromMinutes(1));

        var random = new Random(31);
        var ids = Enumerable.Range(0, 4_000).Select(i => $"f-{i:x4}").ToList();
        await probe.PublishAsync(input, ids.Select(id => $"{{\"id\": \"{id}\", \"prompt_tokens\": {random.Next(16, 2048)}, \"output_tokens\": {random.Next(1, 61)}}}").ToList());
        await first.WaitForStderrAsync(l => l.StartsWith("serve ", StringComparison.Ordinal) && !l.Contains("completed 0,"), TimeSpan.FromMinutes(1));
        // The singleton runs on the older node: the first one.
        Assert.Contains(first.StderrLines, l => l.Contains("balancer singleton starting", StringComparison.Ordinal));
        Assert.DoesNotContain(standby.StderrLines, l => l.Contains("balancer singleton starting", StringComparison.Ordinal));

        first.Signal(SchedulerProcess.SigKill);
        var killed = Stopwatch.StartNew();
        await first.ExitAsync(TimeSpan.FromSeconds(10));
        await standby.WaitForStderrAsync(l => l.Contains("balancer singleton starting", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        var singletonMoved = killed.Elapsed;
        await standby.WaitForStderrAsync(l => l.Contains("a new balancer", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        var resumed = killed.Elapsed;
        // The ingress may hear of the new balancer before the balancer has heard from every rank: wait for the adoption.
        var adoption = await standby.WaitForStderrAsync(l => l.Contains("taking over: adopted", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        Assert.True(await standby.ExitAsync(TimeSpan.FromMinutes(3)) == 0, standby.Stderr);

        var seen = (await probe.ReadAllAsync(results)).Select(m => JsonDocument.Parse(m.Text).RootElement).ToList();
        var completed = seen.Where(r => r.GetProperty("status").GetString() == "completed").Select(r => r.GetProperty("id").GetString()!).ToHashSet();
        Assert.True(completed.SetEquals(ids), $"{ids.Count(id => !completed.Contains(id))} id(s) without a completed result");
        Assert.Equal(0, await probe.OutstandingAsync(input));
        output.WriteLine($"balancer node killed: singleton started on the standby {singletonMoved.TotalSeconds:0.0} s after SIGKILL, " +
                         $"its ingress re-sent what it held {resumed.TotalSeconds:0.0} s after; {seen.Count} results for {ids.Count} ids " +
                         $"({seen.Count - completed.Count} repeated); {adoption[adoption.IndexOf("adopted", StringComparison.Ordinal)..]}");
    }
}
