using Scheduler.Core.CostModels;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;
using Scheduler.Core.Simulation;
using Scheduler.Core.Tests.Reference;

namespace Scheduler.Core.Tests.Simulation;

/// <summary>
/// The one loop behind the simulator and the runtime: fed in trickles and stepped by ranks outside it, a replay
/// decides exactly as the simulator does; live, it never waits for input and keeps only what is in flight.
/// </summary>
public sealed class PlacementLoopTests
{
    private static readonly ReferenceFixture Small = new("burst-n20000-seed7.requests.csv", "burst-n20000-seed7.g16-b32");

    /// <summary>Requests handed over only when the loop asks, <paramref name="chunk"/> at a time (the stingiest stream possible).</summary>
    private static PlacementLoop Trickle(Workload workload, IPlacementPolicy policy, ClusterShape shape, ArrivalMode arrivals, int chunk)
    {
        var loop = new PlacementLoop(shape, policy, new PlacementLoopOptions { Arrivals = arrivals });
        var ranks = new TestRanks(shape.Ranks, ReferenceLinearCost.ForBatch(shape.BatchSize));
        var next = 0;
        while (true)
        {
            switch (loop.Advance())
            {
                case LoopAction.NeedInput when next == workload.Count:
                    loop.CompleteInput();
                    break;
                case LoopAction.NeedInput:
                    for (var i = 0; i < chunk && next < workload.Count; i++, next++) loop.Add(workload[next]);
                    break;
                case LoopAction.RunStep:
                    ranks.Step(loop);
                    break;
                case LoopAction.Finished:
                    return loop;
                default:
                    throw new InvalidOperationException("a replay never idles");
            }
        }
    }

    [Theory]
    [InlineData("fcfs", 1)]
    [InlineData("bfio", 1)]
    [InlineData("bfio", 7)]
    [InlineData("jsq", 20000)]
    public void A_backlogged_loop_fed_in_trickles_decides_exactly_as_the_simulator(string policy, int chunk)
    {
        var shape = new ClusterShape(Small.Ranks, Small.BatchSize);
        var workload = Small.Workload;
        var simulated = Simulator.Run(workload, PolicyCatalog.Create(policy), new SimulationOptions(shape));

        var loop = Trickle(workload, PolicyCatalog.Create(policy), shape, ArrivalMode.Backlog, chunk);

        Assert.Equal(simulated.Admissions, loop.State.Admissions);
        Assert.Equal(simulated.Steps.Select(s => s with { }), loop.Steps);
        Assert.Equal(simulated.Summary.AvgImbalance, loop.Summarize().AvgImbalance);
        Assert.Equal(simulated.Summary.SumFinishTime, loop.Summarize().SumFinishTime);
    }

    public static TheoryData<string, double, int> TimedCases() => new()
    {
        // A light load leaves the cluster idle between arrivals; a heavy one builds a queue.
        { "fcfs", 40.0, 1 },
        { "jsq", 40.0, 3 },
        { "bfio-ref", 40.0, 1 },
        { "fcfs", 2000.0, 1 },
        { "round-robin", 2000.0, 5 },
        { "bfio-ref:h=0", 2000.0, 1 },
        { "bfio", 2000.0, 3000 },
    };

    [Theory]
    [MemberData(nameof(TimedCases))]
    public void A_timed_loop_fed_in_trickles_decides_exactly_as_the_simulator_in_virtual_time(string policy, double rate, int chunk)
    {
        var workload = Poisson(3000, rate, seed: 11);
        var shape = new ClusterShape(8, 16);
        var simulated = Simulator.Run(workload, PolicyCatalog.Create(policy), new SimulationOptions(shape) { Arrivals = ArrivalMode.Trace });

        var loop = Trickle(workload, PolicyCatalog.Create(policy), shape, ArrivalMode.Trace, chunk);

        Assert.Equal(simulated.Admissions, loop.State.Admissions);
        Assert.Equal(simulated.Steps, loop.Steps);
    }

    /// <summary>Records the shapes it was prepared for and whether each came before any decision.</summary>
    private sealed class PreparationRecorder : IPlacementPolicy, Scheduler.Core.Policies.Routing.IArrivalRouter
    {
        public List<(ClusterShape Shape, int DecisionsBefore)> Prepared { get; } = [];
        public int Decisions { get; private set; }
        public string Name => "recorder";
        public void Prepare(ClusterShape shape) => Prepared.Add((shape, Decisions));

        public void Place(ClusterView state)
        {
            Decisions++;
            new FcfsPolicy().Place(state);
        }

        public int Route(ClusterView state, int requestId) => Decisions++ % state.Ranks;
    }

    /// <summary>The loop prepares its policy or router once, with the cluster's shape, before the first decision (outside
    /// any decision's time: bfio sizes its buffers there).</summary>
    [Fact]
    public void A_loop_prepares_its_policy_or_router_once_before_the_first_decision()
    {
        var shape = new ClusterShape(4, 8);
        var workload = new Workload(Enumerable.Range(0, 40).Select(i => new Request(i, 100 + i, 3 + i % 5, 3 + i % 5)).ToArray(), "prepare");
        var policy = new PreparationRecorder();
        var router = new PreparationRecorder();

        Trickle(workload, policy, shape, ArrivalMode.Backlog, chunk: 5);
        var loop = new PlacementLoop(shape, (Scheduler.Core.Policies.Routing.IArrivalRouter)router);
        for (var i = 0; i < workload.Count; i++) loop.Add(workload[i]);
        loop.CompleteInput();
        var ranks = new TestRanks(shape.Ranks, ReferenceLinearCost.ForBatch(shape.BatchSize));
        for (var action = loop.Advance(); action != LoopAction.Finished; action = loop.Advance())
            if (action == LoopAction.RunStep) ranks.Step(loop);

        Assert.True(policy.Decisions > 0 && router.Decisions == workload.Count);
        Assert.Equal([(shape, 0)], policy.Prepared);
        Assert.Equal([(shape, 0)], router.Prepared);
    }

    [Fact]
    public void A_backlogged_loop_waits_until_it_can_fill_the_reveal_window()
    {
        var loop = new PlacementLoop(new ClusterShape(2, 4), PolicyCatalog.Create("fcfs"));
        for (var i = 0; i < 7; i++) loop.Add(new Request(i, 100, 10, 10));

        Assert.Equal(LoopAction.NeedInput, loop.Advance());
        Assert.Equal(0, loop.State.QueueCount);

        loop.Add(new Request(7, 100, 10, 10));
        Assert.Equal(LoopAction.RunStep, loop.Advance());
        Assert.Equal(1, loop.RunningStep);
        Assert.Equal(8, loop.State.RecentAdmissions.Length);
    }

    [Fact]
    public void A_timed_loop_waits_until_it_has_seen_an_arrival_after_its_clock()
    {
        var loop = new PlacementLoop(new ClusterShape(2, 4), PolicyCatalog.Create("fcfs"), new PlacementLoopOptions { Arrivals = ArrivalMode.Trace });
        loop.Add(new Request(0, 100, 10, 10, 0.0));
        loop.Add(new Request(1, 100, 10, 10, 0.0));

        // Another request may still arrive at t=0: deciding now could differ from the simulator.
        Assert.Equal(LoopAction.NeedInput, loop.Advance());

        loop.Add(new Request(2, 100, 10, 10, 0.5));
        Assert.Equal(LoopAction.RunStep, loop.Advance());
        Assert.Equal(2, loop.State.RecentAdmissions.Length);
        Assert.Equal(1, loop.Unrevealed);
    }

    [Fact]
    public void A_rank_report_that_disagrees_with_the_balancer_is_refused()
    {
        var loop = new PlacementLoop(new ClusterShape(1, 4), PolicyCatalog.Create("fcfs"));
        loop.Add(new Request(0, 100, 10, 10));
        loop.CompleteInput();
        Assert.Equal(LoopAction.RunStep, loop.Advance());

        var wrongLoad = new RankStepReport(1, 999, 0.01, Array.Empty<long>());
        var error = Assert.Throws<InvalidOperationException>(() => loop.ApplyStep(new StepReport(1, 0.01, 0, new[] { wrongLoad }), 0.01));

        Assert.Contains("disagree", error.Message);
    }

    [Fact]
    public void A_live_loop_places_what_has_arrived_at_once_and_idles_when_nothing_waits()
    {
        var loop = Live(new ClusterShape(2, 4), "fcfs");
        Assert.Equal(LoopAction.Idle, loop.Advance());

        // One request, the input still open: a replay would wait to fill its window; live places it now.
        loop.Add(new Request(0, 100, 2, 2, 0.0));
        Assert.Equal(LoopAction.RunStep, loop.Advance());
        var ranks = new TestRanks(2, ReferenceLinearCost.ForBatch(4));
        ranks.Step(loop, clockAdvance: 0.01);

        // Still decoding: the next step runs back to back, without any input.
        Assert.Equal(LoopAction.RunStep, loop.Advance());
        var finished = ranks.Step(loop, clockAdvance: 0.01).ToArray();
        Assert.Single(finished);
        Assert.Equal(LoopAction.Idle, loop.Advance());

        loop.CompleteInput();
        Assert.Equal(LoopAction.Finished, loop.Advance());
    }

    [Fact]
    public void A_live_loop_follows_the_wall_clock_while_idle_and_stamps_results_in_it()
    {
        var loop = Live(new ClusterShape(1, 4), "fcfs");
        loop.ClockAt(5.0);
        loop.Add(new Request(0, 100, 1, 1, 5.0));
        Assert.Equal(LoopAction.RunStep, loop.Advance());
        var slot = new TestRanks(1, ReferenceLinearCost.ForBatch(4)).Step(loop, clockAdvance: 0.25)[0];

        Assert.Equal(5.0, loop.State.StartTime(slot), 12);
        Assert.Equal(5.25, loop.State.FinishTime(slot), 12);
    }

    [Theory]
    [InlineData("fcfs")]
    [InlineData("bfio")]
    [InlineData("bfio:predictor=online")]
    [InlineData("bfio:predictor=noisy")]
    [InlineData("bfio-ref")]
    [InlineData("trtllm")]
    public void A_live_loop_that_releases_finished_requests_holds_only_what_is_in_flight_however_long_it_runs(string policy)
    {
        var shape = new ClusterShape(4, 8);
        var loop = Live(shape, policy);
        var ranks = new TestRanks(shape.Ranks, ReferenceLinearCost.ForBatch(shape.BatchSize));
        var random = new Random(5);
        const int total = 30_000;
        const int inFlightBound = 80; // what an ingress would allow: the pool and the batches together
        var added = 0;
        long finished = 0;
        var clock = 0.0;
        while (finished < total)
        {
            while (added < total && loop.State.LiveCount < inFlightBound)
            {
                var output = random.Next(1, 40);
                loop.Add(new Request(added++, random.Next(10, 3000), output, output, clock));
            }
            if (added == total) loop.CompleteInput();
            var action = loop.Advance();
            if (action == LoopAction.Finished) break;
            Assert.Equal(LoopAction.RunStep, action);
            clock += 0.01;
            foreach (var slot in ranks.Step(loop, clockAdvance: 0.01).ToArray())
            {
                loop.Release(slot);
                finished++;
            }
        }

        Assert.Equal(total, finished);
        Assert.Equal(total, loop.State.FinishedCount);
        Assert.InRange(loop.State.SlotCount, 1, inFlightBound);
        Assert.Equal(0, loop.State.LiveCount);
        if (loop.Policy is BfioPolicy { Predictor: OnlineSurvivalPredictor online })
            Assert.Equal(total, online.FinishedObserved);
    }

    [Fact]
    public void A_noisy_estimate_follows_the_request_not_the_slot_it_happens_to_occupy()
    {
        var predictor = new NoisyPredictor(0.5, 3);
        var reused = new ClusterState(new ClusterShape(1, 4), recordAdmissions: false);
        var first = reused.AddRequest(new Request(0, 10, 50, 50));
        reused.RevealAll();
        reused.Admit(first, 0);
        reused.AdvanceStep(0.1, []);
        // Request 0 finishes after 50 steps; request 1 then takes its slot.
        var finished = new List<int>();
        while (finished.Count == 0) reused.AdvanceStep(0.1, finished);
        reused.Release(first);
        var second = reused.AddRequest(new Request(1, 10, 80, 80));
        Assert.Equal(first, second);

        var fresh = new ClusterState(new ClusterShape(1, 4), recordAdmissions: false);
        fresh.AddRequest(new Request(0, 10, 50, 50));
        var serialOne = fresh.AddRequest(new Request(1, 10, 80, 80));
        Assert.NotEqual(second, serialOne);

        Assert.Equal(predictor.EstimatedOutput(fresh, serialOne), predictor.EstimatedOutput(reused, second));
    }

    private static PlacementLoop Live(ClusterShape shape, string policy) =>
        new(shape, PolicyCatalog.Create(policy), new PlacementLoopOptions { Arrivals = ArrivalMode.Live, RecordAdmissions = false, KeepHistory = false });

    private static Workload Poisson(int count, double rate, int seed)
    {
        var random = new Random(seed);
        var clock = 0.0;
        var requests = new Request[count];
        for (var i = 0; i < count; i++)
        {
            clock += -Math.Log(1.0 - random.NextDouble()) / rate;
            var output = random.Next(1, 97);
            requests[i] = new Request(i, random.Next(16, 1025), output, output, clock);
        }
        return new Workload(requests, "poisson");
    }
}
