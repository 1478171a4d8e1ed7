using Scheduler.Core.CostModels;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Routing;
using Scheduler.Core.Simulation;
using Scheduler.Core.Tests.Simulation;
using Scheduler.Core.Workloads;

namespace Scheduler.Core.Tests.Routing;

/// <summary>
/// Binding on arrival in the one loop: each request is routed once as it is revealed, waits in its rank's FIFO queue,
/// and is admitted there only; every request finishes; the pool mode is untouched (the reference fixtures say so).
/// </summary>
public sealed class ArrivalBindingTests
{
    private static readonly ClusterShape Shape = new(4, 8);

    private static Workload Timed(int count = 600, int seed = 3) =>
        ShapeGenerator.Generate(ShapeCatalog.Chat, count, seed, ratePerSecond: 40);

    private static SimulationOptions Arrival(ArrivalMode arrivals) =>
        new(Shape) { Arrivals = arrivals, Binding = BindingMode.Arrival };

    [Theory]
    [InlineData("random", ArrivalMode.Trace)]
    [InlineData("random", ArrivalMode.Backlog)]
    [InlineData("vllm", ArrivalMode.Trace)]
    [InlineData("sglang-tokens", ArrivalMode.Backlog)]
    [InlineData("p2c", ArrivalMode.Trace)]
    public void Every_request_is_admitted_on_the_rank_it_was_bound_to_in_bind_order_and_finishes(string name, ArrivalMode arrivals)
    {
        var workload = Timed();
        var router = new RecordingRouter(ArrivalRouterCatalog.Create(name));

        var result = Simulator.Run(workload, router, Arrival(arrivals));

        // One router call per request.
        Assert.Equal(Enumerable.Range(0, workload.Count), router.Bindings.Select(b => b.Request).Order());
        var boundTo = router.Bindings.ToDictionary(b => b.Request, b => b.Rank);
        Assert.Equal(workload.Count, result.Admissions.Count);
        foreach (var a in result.Admissions) Assert.Equal(boundTo[a.RequestId], a.Rank);
        // Per rank, admissions follow the order of binding (each rank's queue is FIFO).
        for (var g = 0; g < Shape.Ranks; g++)
            Assert.Equal(router.Bindings.Where(b => b.Rank == g).Select(b => b.Request),
                result.Admissions.Where(a => a.Rank == g).Select(a => a.RequestId));
        Assert.True(result.FinalState.AllFinished);
        Assert.Equal(workload.Count, result.Summary.Requests);
        for (var id = 0; id < workload.Count; id++) Assert.Equal(boundTo[id], result.FinalState.BoundRankOf(id));
    }

    [Fact]
    public void Requests_are_routed_in_arrival_order_and_never_before_they_arrive()
    {
        var workload = Timed(200);
        var router = new RecordingRouter(new RoundRobinRouter());

        var result = Simulator.Run(workload, router, Arrival(ArrivalMode.Trace));

        Assert.Equal(Enumerable.Range(0, workload.Count), router.Bindings.Select(b => b.Request));
        // Round robin on arrival ignores load, so binding order alone decides the ranks: 0, 1, 2, 3, 0, …
        Assert.Equal(Enumerable.Range(0, workload.Count).Select(i => i % Shape.Ranks), router.Bindings.Select(b => b.Rank));
        foreach (var a in result.Admissions)
            Assert.True(result.FinalState.StartTime(a.RequestId) >= workload[a.RequestId].ArrivalSeconds);
    }

    [Fact]
    public void A_rank_admits_only_from_its_own_queue_however_idle_the_others_are()
    {
        var requests = Enumerable.Range(0, 5).Select(i => new Request(i, 100, 3, 3)).ToArray();
        var router = new RecordingRouter(new FixedRouter(0));

        var result = Simulator.Run(new Workload(requests, "five"), router, new SimulationOptions(new ClusterShape(2, 2)) { Binding = BindingMode.Arrival });

        Assert.All(result.Admissions, a => Assert.Equal(0, a.Rank));
        // Two slots on rank 0: pairs at steps 0, 3 and the last alone at 6; rank 1 idles throughout.
        Assert.Equal([0, 0, 3, 3, 6], result.Admissions.Select(a => a.Step));
        // Rank 1 holds nothing in any step, so each step's imbalance G·max − Σ is rank 0's whole load.
        Assert.All(result.Steps.Where(s => s.ActiveBefore > 0), s => Assert.Equal(s.TotalLoad, s.Imbalance));
        // The router saw the bindings it had just made: the queue grew by one per call within the reveal.
        Assert.Equal([0, 1, 2, 3, 4], router.Bindings.Select(b => b.BoundBefore));
        // All five were revealed at one boundary: one decision (the five routing calls), however many admissions follow.
        Assert.Equal(1, result.Summary.Decisions);
        // A step's queue length counts the requests waiting in rank queues: three wait through the first step.
        Assert.Equal(3, result.Steps[0].QueueLength);
    }

    [Fact]
    public void The_reveal_window_bounds_every_waiting_request_bound_or_not()
    {
        var requests = Enumerable.Range(0, 100).Select(i => new Request(i, 50, 20, 20)).ToArray();
        var shape = new ClusterShape(2, 2);
        var maxWaiting = 0;
        var options = new SimulationOptions(shape)
        {
            Binding = BindingMode.Arrival,
            OnStep = (state, _) => maxWaiting = Math.Max(maxWaiting, state.WaitingCount),
        };

        var result = Simulator.Run(new Workload(requests, "backlog"), new RoundRobinRouter(), options);

        Assert.True(result.FinalState.AllFinished);
        Assert.InRange(maxWaiting, 1, shape.RevealWindow);
    }

    [Fact]
    public void A_trickled_replay_routes_and_admits_exactly_as_the_simulator()
    {
        var workload = Timed(400, seed: 9);
        var simulated = Simulator.Run(workload, ArrivalRouterCatalog.Create("vllm"), Arrival(ArrivalMode.Trace));

        var loop = new PlacementLoop(Shape, ArrivalRouterCatalog.Create("vllm"), new PlacementLoopOptions { Arrivals = ArrivalMode.Trace, Binding = BindingMode.Arrival });
        var ranks = new TestRanks(Shape.Ranks, ReferenceLinearCost.ForBatch(Shape.BatchSize));
        var next = 0;
        for (var action = loop.Advance(); action != LoopAction.Finished; action = loop.Advance())
        {
            if (action == LoopAction.RunStep) ranks.Step(loop);
            else if (next == workload.Count) loop.CompleteInput();
            else loop.Add(workload[next++]);
        }

        Assert.Equal(simulated.Admissions, loop.State.Admissions);
        Assert.Equal(simulated.Summary.AvgImbalance, loop.Summarize().AvgImbalance);
    }

    [Fact]
    public void A_lost_rank_s_requests_are_routed_again_and_still_finish()
    {
        var shape = new ClusterShape(2, 4);
        var recording = new RecordingRouter(new RoundRobinRouter());
        var loop = new PlacementLoop(shape, recording);
        for (var i = 0; i < 12; i++) loop.Add(new Request(i, 100 + i, 5, 5));
        loop.CompleteInput();
        var ranks = new TestRanks(shape.Ranks, ReferenceLinearCost.ForBatch(shape.BatchSize));
        Assert.Equal(LoopAction.RunStep, loop.Advance());
        ranks.Step(loop);
        Assert.Equal(LoopAction.RunStep, loop.Advance());
        var lost = loop.State.ActiveRequests(0).ToArray();
        var routedBefore = recording.Bindings.Count;

        ranks.Step(loop, lostRank: 0);

        // Each lost request was routed once more, in arrival order, and now waits bound (no pool queue exists).
        Assert.Equal(lost.Order(), recording.Bindings.Skip(routedBefore).Select(b => b.Request));
        Assert.Equal(0, loop.State.QueueCount);
        Assert.All(lost, id => Assert.True(loop.State.IsQueued(id) && loop.State.BoundRankOf(id) >= 0));
        while (loop.Advance() == LoopAction.RunStep) ranks.Step(loop);
        Assert.True(loop.State.AllFinished);
        Assert.Equal(12, loop.State.FinishedCount);
    }

    [Fact]
    public void A_router_that_names_no_rank_is_an_error_naming_it()
    {
        var requests = new[] { new Request(0, 10, 2, 2) };

        var error = Assert.Throws<InvalidOperationException>(() =>
            Simulator.Run(new Workload(requests, "one"), new FixedRouter(7), new SimulationOptions(new ClusterShape(2, 2)) { Binding = BindingMode.Arrival }));

        Assert.Contains("fixed-7", error.Message);
        Assert.Contains("rank 7", error.Message);
    }

    [Fact]
    public void A_policy_cannot_run_with_arrival_binding_nor_a_router_with_the_pool()
    {
        var workload = new Workload([new Request(0, 10, 2, 2)], "one");

        Assert.Throws<ArgumentException>(() => Simulator.Run(workload, new FcfsPolicy(), new SimulationOptions(Shape) { Binding = BindingMode.Arrival }));
        Assert.Throws<ArgumentException>(() => Simulator.Run(workload, new RoundRobinRouter(), new SimulationOptions(Shape)));
    }

    [Fact]
    public void The_pool_mode_has_no_rank_queues_and_arrival_mode_admits_nothing_directly()
    {
        var pool = new ClusterState(Shape);
        pool.AddRequest(new Request(0, 10, 2, 2));
        pool.RevealAll();
        Assert.True(pool.BoundQueue(0).IsEmpty);
        Assert.Equal(1, pool.WaitingCount);
        Assert.Throws<InvalidOperationException>(() => pool.RevealForRouting());

        var arrival = new ClusterState(Shape, binding: BindingMode.Arrival);
        arrival.AddRequest(new Request(0, 10, 2, 2));
        var id = arrival.RevealForRouting();
        Assert.Throws<InvalidOperationException>(() => arrival.Admit(id, 0));
        arrival.Bind(id, 2);
        Assert.Equal([id], arrival.BoundQueue(2).ToArray());
        Assert.Equal(10, arrival.BoundPromptTokens(2));
        Assert.Equal(1, arrival.AdmitFromBoundQueues());
        Assert.Equal(2, arrival.RankOf(id));
        Assert.Equal(0, arrival.BoundCount(2));
        Assert.Equal(0, arrival.BoundPromptTokens(2));
    }

    [Fact]
    public void A_live_arrival_loop_recycles_slots_and_idles_when_nothing_waits()
    {
        var shape = new ClusterShape(2, 2);
        var loop = new PlacementLoop(shape, new RoundRobinRouter(),
            new PlacementLoopOptions { Arrivals = ArrivalMode.Live, Binding = BindingMode.Arrival, RecordAdmissions = false, KeepHistory = false });
        var ranks = new TestRanks(shape.Ranks, ReferenceLinearCost.ForBatch(shape.BatchSize));
        var finished = 0;
        for (var wave = 0; wave < 5; wave++)
        {
            for (var i = 0; i < 3; i++) loop.Add(new Request(wave * 3 + i, 20, 2, 2, loop.State.Clock));
            while (loop.Advance() == LoopAction.RunStep)
                foreach (var slot in ranks.Step(loop).ToArray()) { loop.Release(slot); finished++; }
        }

        Assert.Equal(15, finished);
        Assert.Equal(LoopAction.Idle, loop.Advance());
        Assert.True(loop.State.SlotCount <= 4, $"{loop.State.SlotCount} slots for at most 3 requests at once");
    }
}
