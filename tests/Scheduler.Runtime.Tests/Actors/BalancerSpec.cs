using Akka;
using Akka.Actor;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Ingestion.Sources;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Actors;

/// <summary>The balancer with real barrier and local rank entities, or with probes in their place.</summary>
public sealed class BalancerSpec() : TestKit(TestConfig.Local())
{
    private static readonly ClusterShape Shape = new(4, 8);
    private static readonly Workload Requests = new SyntheticWorkload(1500, Seed: 3) { PromptMax = 512, OutputMax = 64 }.ToWorkload();

    [Theory]
    [InlineData("fcfs")]
    [InlineData("jsq")]
    [InlineData("round-robin")]
    [InlineData("bfio-ref:h=0")]
    [InlineData("bfio-ref")]
    public async Task Balancer_never_admits_more_requests_to_a_rank_than_its_batch_holds(string policy)
    {
        var engines = new CapacityWatchingEngines(LocalRuntime.CostEngines(Shape), Shape.Ranks);
        var ranks = Sys.ActorOf(LocalRankHost.Props(engines));
        var monitor = CreateTestProbe();

        LocalRuntime.Start(this, Shape, PolicyCatalog.Create(policy), ranks, monitor, new WorkloadRequestSource(Requests));

        var completed = await monitor.FishForMessageAsync<RunCompleted>(m => m is RunCompleted, TimeSpan.FromSeconds(30));
        Assert.Equal(Requests.Count, completed.FinalState.FinishedCount);
        Assert.All(engines.MaxActive, max => Assert.Equal(Shape.BatchSize, max));
    }

    private sealed class OverfillingPolicy : IPlacementPolicy
    {
        public string Name => "overfill";

        public void Place(Core.Model.ClusterView state)
        {
            foreach (var id in state.Queue) state.Admit(id, 0);
        }
    }

    [Fact]
    public async Task A_policy_that_overfills_a_rank_fails_the_run_before_any_admission_is_sent()
    {
        var ranks = CreateTestProbe();
        var monitor = CreateTestProbe();

        LocalRuntime.Start(this, Shape, new OverfillingPolicy(), ranks, monitor, new WorkloadRequestSource(Requests));

        var failed = await monitor.ExpectMsgAsync<RunFailed>();
        Assert.Contains("rank 0 is full", failed.Reason);
        await ranks.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task A_lost_tick_is_recovered_by_the_barrier_and_the_run_still_matches_the_simulator()
    {
        var simulated = Simulator.Run(Requests, PolicyCatalog.Create("jsq"), new SimulationOptions(Shape));
        // The ranks do not register for direct ticks: every tick passes the lossy layer.
        var ranks = Sys.ActorOf(LossyRanks.Props(Sys.ActorOf(LocalRankHost.Props(LocalRuntime.CostEngines(Shape), registerLocally: false)), rank: 2, step: 5));
        var monitor = CreateTestProbe();

        var runtime = LocalRuntime.Start(this, Shape, PolicyCatalog.Create("jsq"), ranks, monitor, new WorkloadRequestSource(Requests),
            barrier: new Scheduler.Runtime.Hosting.BarrierSettings(TimeSpan.FromMilliseconds(300), 20, true));

        var completed = await monitor.FishForMessageAsync<RunCompleted>(m => m is RunCompleted, TimeSpan.FromSeconds(30));
        RunAssert.SameAdmissions(simulated.Admissions, completed.Admissions);
        RunAssert.SameMetrics(simulated.Summary, completed.Summary);
        // At least the lost tick timed out (a loaded machine may time out a slow step too; that changes nothing).
        Assert.True(completed.RankTimeouts >= 1);
        var statistics = await runtime.Barrier.Ask<BarrierStatistics>(GetBarrierStatistics.Instance);
        Assert.Equal(completed.RankTimeouts, statistics.Timeouts);
    }

    /// <summary>Ten requests, then the source fails.</summary>
    private sealed class FailingSource(Workload workload) : IRequestSource
    {
        public string Name => "unplugged";
        public bool Redelivers => false;
        public RecordFraming Framing => RecordFraming.Lines;

        public Source<Delivery, NotUsed> Open() =>
            new WorkloadRequestSource(workload).Open().Take(10).Concat(Source.Failed<Delivery>(new IOException("disk unplugged")));
    }

    [Fact]
    public async Task A_failed_input_stream_fails_the_run_with_its_reason()
    {
        var ranks = Sys.ActorOf(LocalRankHost.Props(LocalRuntime.CostEngines(Shape)));
        var monitor = CreateTestProbe();

        LocalRuntime.Start(this, Shape, PolicyCatalog.Create("fcfs"), ranks, monitor, new FailingSource(Requests));

        var failed = await monitor.FishForMessageAsync<RunFailed>(m => m is RunFailed);
        Assert.Contains("the input stream failed: unplugged: disk unplugged", failed.Reason);
    }

    [Fact]
    public async Task The_monitor_hears_progress_and_then_the_end_of_the_run()
    {
        var ranks = Sys.ActorOf(LocalRankHost.Props(LocalRuntime.CostEngines(Shape)));
        var monitor = CreateTestProbe();

        LocalRuntime.Start(this, Shape, PolicyCatalog.Create("fcfs"), ranks, monitor, new WorkloadRequestSource(Requests));

        var first = await monitor.ExpectMsgAsync<RuntimeProgress>();
        Assert.Equal(50, first.Step);
        Assert.True(first.Admitted > 0 && first.Received >= first.Admitted);
        var last = (RuntimeProgress)await monitor.FishForMessageAsync(m => m is RuntimeProgress { Finished: 1500L }, TimeSpan.FromSeconds(30));
        Assert.Equal(Requests.Count, last.Admitted);
        await monitor.ExpectMsgAsync<RunCompleted>();
    }
}
