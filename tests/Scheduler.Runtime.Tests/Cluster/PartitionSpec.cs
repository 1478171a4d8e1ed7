using System.Diagnostics;
using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote;
using Akka.Remote.Transport;
using Scheduler.Core.CostModels;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Results;
using Scheduler.Runtime.Tests.Fixtures;
using Xunit.Abstractions;

namespace Scheduler.Runtime.Tests.Cluster;

/// <summary>
/// The whole service across three nodes in one process (a balancer+ingress node and two rank hosts with two ranks each),
/// with Akka.Remote's throttler transport: one rank host is cut off mid-stream, as a cut cable would. The minority (that
/// host) downs itself; the majority goes on, its ranks re-created on the other host, and every request still ends in
/// exactly one completed result.
/// </summary>
public sealed class PartitionSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Ranks = 4;
    private const int Batch = 8;
    private readonly List<ActorSystem> _systems = [];

    // Without serialize-messages: the scheduler's messages cross real nodes here, and Akka's own cluster events (which
    // that setting would also push through a serializer) have no serializer for it.
    private static Config NodeConfig(string roles) => ConfigurationFactory.ParseString($"""
        akka.remote.dot-netty.tcp.applied-adapters = [trttl]
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.cluster.roles = [{roles}]
        akka.coordinated-shutdown.exit-clr = off
        """).WithFallback(RuntimeConfig.Defaults);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var system in _systems) await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_rank_host_cut_off_mid_stream_downs_itself_and_every_request_still_completes_once_on_the_majority()
    {
        var balancerNode = ActorSystem.Create("scheduler", NodeConfig("balancer, ingress"));
        var hostB = ActorSystem.Create("scheduler", NodeConfig("rank-host, \"local-ranks=2\""));
        var hostC = ActorSystem.Create("scheduler", NodeConfig("rank-host, \"local-ranks=2\""));
        _systems.AddRange([balancerNode, hostB, hostC]);
        var seed = Akka.Cluster.Cluster.Get(balancerNode).SelfAddress;
        foreach (var system in _systems) await Akka.Cluster.Cluster.Get(system).JoinSeedNodesAsync([seed]).WaitAsync(TimeSpan.FromSeconds(30));

        var settings = RuntimeSettings.FromConfig(balancerNode.Settings.Config)
            .WithBarrier(new BarrierSettings(TimeSpan.FromSeconds(10), 0, true));
        // Real time, at a quarter of the modelled step times: the stream is still running when the cable is cut.
        var engines = new CostModelEngineFactory(ReferenceLinearCost.ForBatch(Batch), Batch, timeScale: 0.25);
        foreach (var host in new[] { hostB, hostC }) await RankCluster.StartRankRegionAsync(host, settings, engines);
        var ranks = await RankCluster.StartRankRegionAsync(balancerNode, settings, engines);
        await RankCluster.AwaitRankHostsAsync(balancerNode, Ranks, TimeSpan.FromSeconds(30));
        await RankCluster.AwaitRanksAsync(ranks, Ranks, TimeSpan.FromSeconds(30));

        var ids = Enumerable.Range(0, 600).Select(i => $"p{i}").ToList();
        var source = new RecordingSource(ids.Select((id, i) => RecordingSource.Json(id, 100 + i % 500, 1 + i % 30)));
        var results = new MemoryResultSink("results");
        var outcome = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        var monitor = balancerNode.ActorOf(RunMonitor.Props(outcome, null));
        var firstResult = new FirstResult();
        var setup = new BalancerSetup(new ClusterShape(Ranks, Batch), PolicyCatalog.Create("bfio"), ArrivalMode.Live, settings.Balancer, null, firstResult);
        var pipeline = SchedulerPipeline.Start(balancerNode, ActorRegistry.For(balancerNode), ranks, settings, setup, source, results, null,
            settings.Ingress, monitor, singleton: true);

        // Cut host C off once results flow.
        await firstResult.Written.WaitAsync(TimeSpan.FromSeconds(60));
        await pipeline.ResultWriter.Ask<SinkFlushed>(FlushSink.Instance, TimeSpan.FromSeconds(10));
        var atCut = results.Lines.Count;
        Assert.InRange(atCut, 1, ids.Count - 1);
        foreach (var side in new[] { balancerNode, hostB })
        {
            var transport = ((RemoteActorRefProvider)((ExtendedActorSystem)side).Provider).Transport;
            var cut = ((ExtendedActorSystem)hostC).Provider.DefaultAddress;
            Assert.True(await transport.ManagementCommand(new SetThrottle(cut, ThrottleTransportAdapter.Direction.Both, Blackhole.Instance)));
        }
        var clock = Stopwatch.StartNew();

        // The minority of one downs itself...
        await hostC.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(60));
        var downed = clock.Elapsed;
        // ...and the majority finishes every request.
        Assert.IsType<ServiceFinished>(await outcome.Task.WaitAsync(TimeSpan.FromMinutes(2)));
        await pipeline.ResultWriter.Ask<SinkFlushed>(FlushSink.Instance, TimeSpan.FromSeconds(10));
        var lines = results.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(ids.Count, lines.Count);
        Assert.Equal(ids.Order(), lines.Select(l => l.GetProperty("id").GetString()!).Order());
        Assert.All(lines, l => Assert.Equal("completed", l.GetProperty("status").GetString()));
        Assert.False(balancerNode.WhenTerminated.IsCompleted || hostB.WhenTerminated.IsCompleted);
        output.WriteLine($"cut after {atCut} results: the cut host stopped itself after {downed.TotalSeconds:F1} s; all {ids.Count} completed once");
    }

    /// <summary>Completes <see cref="Written"/> when the first result is written (the ingress reports it).</summary>
    private sealed class FirstResult : Observability.IServiceObserver
    {
        private readonly TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Written => _written.Task;

        public void RequestCompleted(double queuedSeconds, double ttftSeconds, double e2eSeconds, int outputTokens) => _written.TrySetResult();
        public void RequestsAccepted(int count) { }
        public void RequestsRejected(int count) { }
        public void DuplicateDelivered() { }
        public void RequestFailed(string reason) { }
        public void StepCompleted(in Observability.StepObservation step) { }
        public void DecisionTimed(double micros) { }
        public void Unacknowledged(int count) { }
        public void RanksReady(int ready, int total) { }
    }
}
