using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;
using Scheduler.Core.Policies.Routing;
using Scheduler.Core.Simulation;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>
/// What a predictor keeps per request slot is sized before the first decision, from the state the run places onto
/// (<see cref="IPlacementPolicy.Prepare(ClusterView)"/>), and what grows with the running requests' ages is grown between
/// steps (<see cref="IPlacementPolicy.OnStepped"/>), so that no decision grows either.
/// </summary>
public sealed class SlotPreparationTests
{
    private static readonly ClusterShape Shape = new(4, 8);

    [Fact]
    public void A_prepared_online_predictor_admits_into_the_states_last_slots_without_allocating()
    {
        var state = new ClusterState(Backlog(3000), Shape, recordAdmissions: false);
        Assert.True(state.View.SlotCapacity >= 3000);
        var last = Enumerable.Range(3000 - Shape.Ranks * Shape.BatchSize, Shape.Ranks * Shape.BatchSize).ToArray();

        ThreadAllocations.AssertNone(() =>
        {
            var predictor = new OnlineSurvivalPredictor();
            predictor.Prepare(state.View);
            return () =>
            {
                foreach (var id in last) predictor.OnAdmitted(state.View, id);
            };
        });
        // Unprepared, the same admissions grow its per-slot arrays (what the test above would catch if Prepare did not size them).
        var unprepared = ThreadAllocations.Measure(() =>
        {
            var predictor = new OnlineSurvivalPredictor();
            return () =>
            {
                foreach (var id in last) predictor.OnAdmitted(state.View, id);
            };
        });
        Assert.True(unprepared[^1] > 3000 * sizeof(int), $"unprepared admissions allocated {unprepared[^1]} bytes");
    }

    /// <summary>
    /// Learning ages as requests run (each decision's <see cref="OnlineSurvivalPredictor.BeginCall"/>) fills curves that a
    /// prepared predictor has sized already: 32 requests running 200 steps, a call every step, allocate nothing. (Unprepared,
    /// the curves grow by doubling inside those calls as the oldest age rises.)
    /// </summary>
    [Fact]
    public void A_prepared_online_predictor_learns_running_ages_without_allocating()
    {
        Action Running(bool prepare)
        {
            var (state, predictor) = Running32(life: 240, prepare);
            var finished = new List<int>(32);
            return () =>
            {
                for (var step = 0; step < 200; step++)
                {
                    state.AdvanceStep(0.01, finished);
                    predictor.BeginCall(state.View);
                }
            };
        }

        ThreadAllocations.AssertNone(() => Running(prepare: true));
        Assert.True(ThreadAllocations.Measure(() => Running(prepare: false))[^1] > 0);
        Assert.True(OnlineSurvivalPredictor.AgeGrowthCompiled, "preparing a predictor compiles the counts' growth past 256 steps");
    }

    /// <summary>
    /// Requests that run past 256 and 512 steps, a call every step: told of every step between calls
    /// (<see cref="OnlineSurvivalPredictor.OnStepped"/>), the predictor grows its counts there, ahead of the ages, and no
    /// call allocates; not told, the calls that first reach ages 257 and 513 grow them.
    /// </summary>
    [Fact]
    public void An_online_predictor_told_of_every_step_grows_its_counts_between_calls()
    {
        (long InCalls, int Capacity) Run(bool stepped)
        {
            var (state, predictor) = Running32(life: 700, prepare: true);
            var finished = new List<int>(32);
            var inCalls = 0L;
            for (var step = 0; step < 600; step++)
            {
                state.AdvanceStep(0.01, finished);
                if (stepped) predictor.OnStepped(state.View);
                var before = GC.GetAllocatedBytesForCurrentThread();
                predictor.BeginCall(state.View);
                inCalls += GC.GetAllocatedBytesForCurrentThread() - before;
            }
            return (inCalls, predictor.AgeCapacity);
        }

        // Up to three tries, as ThreadAllocations: the runtime may allocate on this thread once while it recompiles.
        var told = Run(stepped: true);
        for (var t = 1; t < 3 && told.InCalls != 0; t++) told = Run(stepped: true);
        var untold = Run(stepped: false);
        Assert.Equal(0, told.InCalls);
        Assert.True(told.Capacity >= 1024, $"capacity {told.Capacity}");
        Assert.True(untold.InCalls > 0);
    }

    [Fact]
    public void The_simulator_hands_the_policy_and_the_router_its_state_before_the_first_decision_and_after_every_step()
    {
        var workload = Backlog(500);
        var policy = new Recording();
        var run = Simulator.Run(workload, policy, new SimulationOptions(Shape) { RecordSteps = false });
        Assert.Equal(1, policy.Prepared);
        Assert.Equal(run.Summary.Steps, policy.Stepped);
        Assert.True(policy.CapacityAtPrepare >= workload.Count, $"slot capacity {policy.CapacityAtPrepare}");
        Assert.Equal(0, policy.PlacedBeforePrepare);
        Assert.True(policy.Placed > 0);

        var router = new RecordingRouter();
        var routed = Simulator.Run(workload, router, new SimulationOptions(Shape) { RecordSteps = false, Binding = BindingMode.Arrival });
        Assert.Equal(1, router.Prepared);
        Assert.Equal(routed.Summary.Steps, router.Stepped);
        Assert.True(router.CapacityAtPrepare >= workload.Count, $"slot capacity {router.CapacityAtPrepare}");
        Assert.Equal(0, router.RoutedBeforePrepare);
    }

    /// <summary>
    /// A whole run of online bfio over a backlog of 4,000 requests: prepared by the simulator, no decision allocates more than
    /// a few KB (the predictor's curves, which grow with what it learns); prepared for the shape alone (as before the state
    /// was handed over), a decision pays for the two per-slot arrays growing to 4,096 slots.
    /// </summary>
    [Fact]
    public void No_online_bfio_decision_grows_per_slot_memory_when_the_simulator_prepares_it()
    {
        var workload = Backlog(4000);
        var prepared = new AllocationPerDecision(PolicyCatalog.Create("bfio:predictor=online"), handsState: true);
        Simulator.Run(workload, prepared, new SimulationOptions(Shape) { RecordSteps = false });
        var shapeOnly = new AllocationPerDecision(PolicyCatalog.Create("bfio:predictor=online"), handsState: false);
        Simulator.Run(workload, shapeOnly, new SimulationOptions(Shape) { RecordSteps = false });

        Assert.True(prepared.Largest < 16 * 1024, $"a prepared decision allocated {prepared.Largest} bytes: " + string.Join("; ", prepared.Log));
        Assert.True(shapeOnly.Largest >= 2 * 4096 * sizeof(int), $"the largest unprepared decision allocated {shapeOnly.Largest} bytes");
    }

    /// <summary>
    /// 32 requests admitted onto <see cref="Shape"/>'s 32 slots and told to a fresh online predictor (prepared for the state
    /// or not): a quarter leave within 62 steps (what the curves learn from), the rest live <paramref name="life"/> steps.
    /// </summary>
    private static (ClusterState State, OnlineSurvivalPredictor Predictor) Running32(int life, bool prepare)
    {
        var requests = Enumerable.Range(0, 32)
            .Select(i => i % 4 == 0 ? new Request(i, 60 + 150 * (i % 8), 30 + i, 30 + i) : new Request(i, 60 + 150 * (i % 8), life, life))
            .ToArray();
        var state = new ClusterState(new Workload(requests, "running"), Shape, recordAdmissions: false);
        state.RevealUpTo(requests.Length);
        var predictor = new OnlineSurvivalPredictor();
        if (prepare) predictor.Prepare(state.View);
        for (var id = 0; id < requests.Length; id++)
        {
            state.Admit(id, id % Shape.Ranks);
            predictor.OnAdmitted(state.View, id);
        }
        return (state, predictor);
    }

    /// <summary>Requests with prompts and outputs that vary, so ranks and lives differ.</summary>
    private static Workload Backlog(int count) => new(
        Enumerable.Range(0, count).Select(i => new Request(i, 30 + 41 * (i % 9), 2 + i % 7, 2 + i % 7)).ToArray(), "backlog");

    private sealed class Recording : IPlacementPolicy
    {
        private readonly FcfsPolicy _fcfs = new();
        public int Prepared, CapacityAtPrepare, Placed, PlacedBeforePrepare, Stepped;
        public string Name => "recording";

        public void OnStepped(ClusterView state) => Stepped++;

        public void Prepare(ClusterView state)
        {
            Prepared++;
            CapacityAtPrepare = state.SlotCapacity;
        }

        public void Place(ClusterView state)
        {
            if (Prepared == 0) PlacedBeforePrepare++;
            Placed++;
            _fcfs.Place(state);
        }
    }

    private sealed class RecordingRouter : IArrivalRouter
    {
        public int Prepared, CapacityAtPrepare, RoutedBeforePrepare, Stepped;
        public string Name => "recording";

        public void OnStepped(ClusterView state) => Stepped++;

        public void Prepare(ClusterView state)
        {
            Prepared++;
            CapacityAtPrepare = state.SlotCapacity;
        }

        public int Route(ClusterView state, int requestId)
        {
            if (Prepared == 0) RoutedBeforePrepare++;
            return requestId % state.Ranks;
        }
    }

    /// <summary>The bytes each decision of <paramref name="inner"/> allocates on this thread; prepared with the state, or
    /// with the shape alone.</summary>
    private sealed class AllocationPerDecision(IPlacementPolicy inner, bool handsState) : IPlacementPolicy
    {
        public long Largest;
        public readonly List<string> Log = new();
        public string Name => inner.Name;

        public void Prepare(ClusterView state)
        {
            if (handsState) inner.Prepare(state);
            else inner.Prepare(state.Shape);
        }

        public void Place(ClusterView state)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            inner.Place(state);
            var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            if (bytes > 0) Log.Add($"step {state.Step} queue {state.QueueCount} free {state.TotalFreeSlots()}: {bytes}");
            Largest = Math.Max(Largest, bytes);
        }

        public void OnReleased(ClusterView state, int slot) => inner.OnReleased(state, slot);
    }
}
