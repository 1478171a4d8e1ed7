using System.Collections.Immutable;
using Akka.Actor;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Scheduler.Core.CostModels;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Benchmarks;

/// <summary>
/// One step's barrier round trip with G=32 cost-model ranks, each holding a full batch of 72 requests that
/// never finish: BeginStep to the barrier, a Tick to every rank through the shard region (or a local parent,
/// for comparison), every StepCompleted back, StepBarrierPassed to the caller. One invocation = one step,
/// so the median and P99 columns are per-step figures.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 200, iterationCount: 3000, invocationCount: 1)]
[MedianColumn, Config(typeof(PercentileConfig))]
// No forced full GC between the one-step iterations: it parks the thread pool and cools the caches, which is
// the harness, not the barrier (with it, P99 reads ~2 ms; a plain timed loop of 20,000 steps reads ~150 µs).
[GcForce(false)]
public class BarrierRoundTripBenchmark
{
    private const int Ranks = 32;
    private const int Batch = 72;
    private ActorSystem _system = null!;
    private IActorRef _barrier = null!;
    private ImmutableArray<long> _admitted;
    private int _step;

    [Params("sharding", "local")]
    public string Ranking { get; set; } = "sharding";

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        var config = RuntimeConfig.Load(overrides: (Ranking == "local" ? "akka.actor.provider = local\n" : "") + Environment.GetEnvironmentVariable("SCHEDULER_BENCH_HOCON"));
        var settings = RuntimeSettings.FromConfig(config);
        _system = ActorSystem.Create("bench", config);
        var engines = new CostModelEngineFactory(ReferenceLinearCost.ForBatch(Batch), Batch);
        IActorRef ranks;
        if (Ranking == "sharding")
        {
            await RankCluster.JoinSelfAsync(_system, settings.StartupTimeout);
            ranks = await RankCluster.StartRankRegionAsync(_system, settings, engines);
        }
        else ranks = _system.ActorOf(LocalRankHost.Props(engines), "ranks");
        await RankCluster.AwaitRanksAsync(ranks, Ranks, settings.StartupTimeout);

        var id = 0;
        for (var g = 0; g < Ranks; g++)
        {
            var requests = ImmutableArray.CreateBuilder<RankRequest>(Batch);
            for (var i = 0; i < Batch; i++) requests.Add(new RankRequest(id++, 200 + i, int.MaxValue));
            ranks.Tell(new AdmitRequests(g, 0, requests.MoveToImmutable()));
        }
        _admitted = [.. Enumerable.Repeat((long)Batch, Ranks)];
        _barrier = _system.ActorOf(BarrierActor.Props(Ranks, ranks, settings.Barrier), "barrier");
    }

    [Benchmark]
    public Task<StepBarrierPassed> StepRoundTrip() =>
        _barrier.Ask<StepBarrierPassed>(new BeginStep(++_step, _admitted), TimeSpan.FromSeconds(10));

    [GlobalCleanup]
    public void Cleanup() => CoordinatedShutdown.Get(_system).Run(CoordinatedShutdown.ActorSystemTerminateReason.Instance).Wait(TimeSpan.FromSeconds(30));
}
