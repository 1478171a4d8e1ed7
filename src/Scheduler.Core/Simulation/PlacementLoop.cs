using System.Diagnostics;
using System.Runtime.InteropServices;
using Scheduler.Core.CostModels;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Routing;

namespace Scheduler.Core.Simulation;

/// <summary>What the driver of a <see cref="PlacementLoop"/> must do next.</summary>
public enum LoopAction
{
    /// <summary>The next decision depends on requests not yet received (replay): add input, or complete it.</summary>
    NeedInput,

    /// <summary>Run step <see cref="PlacementLoop.RunningStep"/>: tell the ranks <see cref="ClusterState.RecentAdmissions"/>,
    /// execute the step, then apply it (<see cref="PlacementLoop.SimulateStep"/> or <see cref="PlacementLoop.ApplyStep"/>).</summary>
    RunStep,

    /// <summary>Live: every rank is idle and nothing waits; call again when a request arrives.</summary>
    Idle,

    /// <summary>Every request finished and the input is complete.</summary>
    Finished,
}

/// <summary>How a <see cref="PlacementLoop"/> runs and what it keeps.</summary>
public sealed record PlacementLoopOptions
{
    public ArrivalMode Arrivals { get; init; } = ArrivalMode.Backlog;

    /// <summary>Pool (a placement policy admits from one queue; the reference) or arrival (a router binds each request
    /// to a rank as it is revealed, and each rank admits from its own FIFO queue).</summary>
    public BindingMode Binding { get; init; } = BindingMode.Pool;

    /// <summary>Keep every admission (fixtures, --out); a state that keeps them cannot release slots.</summary>
    public bool RecordAdmissions { get; init; } = true;

    /// <summary>Keep every step's record and decision time (the summary of a finite run needs them).</summary>
    public bool KeepHistory { get; init; } = true;

    /// <summary>Requests the state is sized for at first (it grows).</summary>
    public int CapacityHint { get; init; } = 1024;
}

/// <summary>
/// The one step loop behind the simulator and both runtime modes: reveal, call the policy, run a step, apply
/// its completions, in the reference simulator's order (SPEC §2). The driver feeds requests
/// (<see cref="Add"/>), asks what to do (<see cref="Advance"/>) and reports each step — computed in process
/// from a cost model (<see cref="SimulateStep"/>: the simulator) or executed by rank actors and reported
/// through the barrier (<see cref="ApplyStep"/>: the runtime).
/// <para>Replay (backlog or timed arrivals) may be fed while it runs: where a decision depends on requests not
/// yet received (a reveal window not yet full, a virtual clock past the last arrival seen) it answers
/// <see cref="LoopAction.NeedInput"/>, so a replay gives the simulator's decisions whatever the stream's timing.
/// Live never waits for input: at every step boundary it places from everything received, and when every rank
/// is idle with nothing waiting it answers <see cref="LoopAction.Idle"/>.</para>
/// <para>With arrival binding (<see cref="BindingMode.Arrival"/>) the decision at a step boundary is different: each
/// request revealed there (by the same reveal rule) is routed, one router call per request in arrival order, into its
/// rank's FIFO queue; then every rank admits from the front of its own queue while it has free slots. The window of a
/// backlogged run bounds every request waiting, bound or not, as it bounds the pool's queue.</para>
/// </summary>
/// <remarks>Mutable by design, like <see cref="ClusterState"/> which it wraps: a step must not copy the cluster.
/// No allocation per step beyond the records it is asked to keep.</remarks>
public sealed class PlacementLoop
{
    private enum Phase { Start, Top, IdleDecide, Stepping, AfterStep, Finished }

    private readonly IPlacementPolicy? _policy;
    private readonly IArrivalRouter? _router;
    private readonly BindingMode _binding;
    private readonly ArrivalMode _arrivals;
    private readonly int _window;
    private readonly bool _keepHistory;
    private readonly List<StepRecord> _steps;
    private readonly List<double> _decisionMicros;
    private readonly StepRecorder _recorder = new();
    private readonly List<int> _finished;
    private readonly List<int> _reported = new();
    private readonly List<int> _restarted = new();
    private readonly double[] _rankSeconds;
    private readonly Stopwatch _wall = new();
    private Phase _phase = Phase.Start;
    private double _lastArrival = double.NegativeInfinity;
    // Arrival binding: routing done since the last recorded decision (requests routed early, as they arrived while
    // the loop waited for input, or restarted), counted into the next boundary's decision.
    private double _routingMicros;
    private int _routed;

    /// <summary>A pool loop: <paramref name="policy"/> admits from the waiting queue at each step boundary.</summary>
    public PlacementLoop(ClusterShape shape, IPlacementPolicy policy, PlacementLoopOptions? options = null)
        : this(shape, options ?? new PlacementLoopOptions(), policy, null)
    {
    }

    /// <summary>An arrival-binding loop: <paramref name="router"/> picks each request's rank as it is revealed
    /// (<paramref name="options"/> must say <see cref="BindingMode.Arrival"/>; null gives the defaults with it).</summary>
    public PlacementLoop(ClusterShape shape, IArrivalRouter router, PlacementLoopOptions? options = null)
        : this(shape, options ?? new PlacementLoopOptions { Binding = BindingMode.Arrival }, null, router)
    {
    }

    private PlacementLoop(ClusterShape shape, PlacementLoopOptions options, IPlacementPolicy? policy, IArrivalRouter? router)
    {
        if (policy is not null && options.Binding != BindingMode.Pool)
            throw new ArgumentException($"policy '{policy.Name}' places from a pool; binding on arrival needs a router (IArrivalRouter)");
        if (router is not null && options.Binding != BindingMode.Arrival)
            throw new ArgumentException($"router '{router.Name}' binds on arrival; it cannot run with {options.Binding} binding");
        _policy = policy;
        _router = router;
        _binding = options.Binding;
        _arrivals = options.Arrivals;
        _window = shape.RevealWindow;
        _keepHistory = options.KeepHistory;
        State = new ClusterState(shape, options.CapacityHint, options.RecordAdmissions, options.Binding);
        _steps = new List<StepRecord>(_keepHistory ? 4096 : 0);
        _decisionMicros = new List<double>(_keepHistory ? 4096 : 0);
        _finished = new List<int>(shape.Ranks * shape.BatchSize);
        _rankSeconds = new double[shape.Ranks];
        policy?.Prepare(State.View);
        router?.Prepare(State.View);
    }

    public ClusterState State { get; }
    /// <summary>The placement policy (pool binding; null with arrival binding).</summary>
    public IPlacementPolicy? Policy => _policy;

    /// <summary>The router (arrival binding; null with pool binding).</summary>
    public IArrivalRouter? Router => _router;

    /// <summary>The policy's or the router's name.</summary>
    public string Name => _policy?.Name ?? _router!.Name;

    public BindingMode Binding => _binding;
    public ArrivalMode Arrivals => _arrivals;
    public bool InputComplete { get; private set; }
    public bool IsFinished => _phase == Phase.Finished;
    public bool IsStepping => _phase == Phase.Stepping;

    /// <summary>The step being run after <see cref="LoopAction.RunStep"/> (the step number it will have once applied).</summary>
    public int RunningStep => State.Step + 1;

    /// <summary>Every step so far (empty unless the history is kept).</summary>
    public IReadOnlyList<StepRecord> Steps => _steps;

    /// <summary>Every policy call's duration in µs, or with arrival binding every boundary's routing calls together
    /// (empty unless the history is kept).</summary>
    public ReadOnlySpan<double> DecisionMicros => CollectionsMarshal.AsSpan(_decisionMicros);

    /// <summary>The last step applied.</summary>
    public StepRecord LastStep { get; private set; }

    /// <summary>How long the last policy call took in µs, and how many calls there have been.</summary>
    public double LastDecisionMicros { get; private set; } = double.NaN;
    public long Decisions { get; private set; }

    /// <summary>Called after each policy call with its duration in µs (live statistics; no history kept).</summary>
    public Action<double>? DecisionObserved { get; set; }

    /// <summary>Requests the loop holds but has not shown the policy yet (the ingestion buffer it bounds).</summary>
    public int Unrevealed => State.PendingCount;

    /// <summary>Wall time the loop has spent since its first advance.</summary>
    public TimeSpan Wall => _wall.Elapsed;

    /// <summary>Take the next request (arrivals not decreasing); returns the slot it occupies.</summary>
    public int Add(in Request request)
    {
        if (InputComplete) throw new InvalidOperationException($"request {request.Id} arrived after the input ended");
        var slot = State.AddRequest(request);
        _lastArrival = request.ArrivalSeconds;
        return slot;
    }

    /// <summary>
    /// Take over a request already decoding on <paramref name="rank"/>, <paramref name="generated"/> tokens in (a balancer
    /// replacing a lost one rebuilds its state from the ranks: <see cref="ClusterState.AdoptActive"/>). Only between
    /// steps; returns its slot. The policy sees it as active from its next call.
    /// </summary>
    public int Adopt(in Request request, int rank, int generated)
    {
        if (_phase == Phase.Stepping) throw new InvalidOperationException($"request {request.Id} adopted while step {State.Step + 1} runs");
        var slot = State.AdoptActive(request, rank, generated);
        _lastArrival = request.ArrivalSeconds;
        return slot;
    }

    /// <summary>The output length at which the request in <paramref name="slot"/> stops: the ranks that execute it need it
    /// (the cost-model engine stops there, a real one caps generation there); the policy sees it only once the request finished.</summary>
    public int OutputOf(int slot) => State.TrueOutput(slot);

    /// <summary>No request follows.</summary>
    public void CompleteInput() => InputComplete = true;

    /// <summary>Live: the wall clock reads <paramref name="now"/> seconds (moves the state's clock while no step runs).</summary>
    public void ClockAt(double now)
    {
        if (_arrivals != ArrivalMode.Live) throw new InvalidOperationException("only a live loop follows the wall clock");
        if (_phase != Phase.Stepping && now > State.Clock) State.AdvanceClockTo(now);
    }

    /// <summary>
    /// Release a finished request's slot once its result is out: the policy drops what it kept of it first.
    /// </summary>
    public void Release(int slot)
    {
        _policy?.OnReleased(State, slot);
        _router?.OnReleased(State, slot);
        State.Release(slot);
    }

    /// <summary>
    /// Rank <paramref name="rank"/> was lost (its host died, its replacement came back empty): every request active on
    /// it goes back to the waiting queue to start over from its prompt (<see cref="ClusterState.RestartRank"/>), and the
    /// next decision places it again, wherever the policy chooses. Callable between steps or while a step runs: the
    /// runtime learns of the loss from the step's reports and calls this right before <see cref="ApplyStep"/>, whose
    /// report for the rank then says it stepped nothing (0 active at load 0, none finished), which is what the loop
    /// then holds for it. Returns the restarted slots in arrival order (valid until the next call).
    /// </summary>
    /// <remarks>No policy is told: a restarted request did not finish (no predictor learns from it), and it is
    /// admitted again through the policy's ordinary path. With arrival binding each is routed again at once, in arrival
    /// order, as if it had just arrived (the simplest honest reading: the front end resubmits what a dead engine lost);
    /// it joins the back of its new rank's queue, and its routing counts into the next boundary's decision time.</remarks>
    public ReadOnlySpan<int> RestartRank(int rank)
    {
        _restarted.Clear();
        State.RestartRank(rank, _restarted);
        if (_router is not null && _restarted.Count > 0)
        {
            var t0 = Stopwatch.GetTimestamp();
            foreach (var id in CollectionsMarshal.AsSpan(_restarted)) RouteOne(id);
            _routingMicros += Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }
        return CollectionsMarshal.AsSpan(_restarted);
    }

    /// <summary>Run the loop until it must wait for input, for a step, for arrivals, or it ends. Policy errors surface as exceptions.</summary>
    public LoopAction Advance()
    {
        if (!_wall.IsRunning && _phase == Phase.Start) _wall.Start();
        while (true)
        {
            switch (_phase)
            {
                case Phase.Start:
                    if (!ReadyToDecide()) return LoopAction.NeedInput;
                    RevealAndDecide();
                    _phase = Phase.Top;
                    break;

                case Phase.Top:
                    if (State.AllFinished && InputComplete)
                    {
                        _wall.Stop();
                        _phase = Phase.Finished;
                        return LoopAction.Finished;
                    }
                    if (State.ActiveTotal > 0)
                    {
                        _phase = Phase.Stepping;
                        return LoopAction.RunStep;
                    }
                    // Nothing decodes: the simulator reveals and decides again if anything is queued or pending.
                    if (State.WaitingCount == 0 && !State.HasPending)
                    {
                        if (InputComplete) throw Stuck();
                        return _arrivals == ArrivalMode.Live ? LoopAction.Idle : LoopAction.NeedInput;
                    }
                    if (_arrivals == ArrivalMode.Trace && State.WaitingCount == 0) State.AdvanceClockTo(State.NextPendingArrival());
                    _phase = Phase.IdleDecide;
                    break;

                case Phase.IdleDecide:
                    if (!ReadyToDecide()) return LoopAction.NeedInput;
                    RevealAndDecide();
                    if (State.ActiveTotal == 0 && !(_arrivals == ArrivalMode.Trace && State.HasPending && State.WaitingCount == 0)) throw Stuck();
                    _phase = Phase.Top;
                    break;

                case Phase.AfterStep:
                    if (State.WaitingCount > 0 || State.HasPending)
                    {
                        if (!ReadyToDecide()) return LoopAction.NeedInput;
                        RevealAndDecide();
                    }
                    else if (!InputComplete && _arrivals != ArrivalMode.Live)
                    {
                        // Replay: the simulator would reveal here whatever the input still holds.
                        return LoopAction.NeedInput;
                    }
                    _phase = Phase.Top;
                    break;

                case Phase.Stepping:
                    throw new InvalidOperationException($"step {State.Step + 1} is still running");

                case Phase.Finished:
                    return LoopAction.Finished;
            }
        }
    }

    /// <summary>
    /// Whether the reveal at this decision point sees what the simulator's would: the window can be filled
    /// (backlog), or a request arriving after the clock has been received (timed), or the input has ended.
    /// Live decides on what it has.
    /// </summary>
    private bool ReadyToDecide()
    {
        if (InputComplete || _arrivals == ArrivalMode.Live) return true;
        if (_arrivals == ArrivalMode.Backlog) return State.PendingCount >= _window - State.WaitingCount;
        if (_lastArrival > State.Clock) return true;
        // Reveal what has arrived already: the simulator's reveal here would take these too, and it frees room.
        // A router routes them now: nothing it reads changes before this boundary's decision.
        if (_router is null) State.RevealArrivedBy(State.Clock);
        else RouteRevealed();
        return false;
    }

    private void RevealAndDecide()
    {
        if (_router is not null)
        {
            RouteRevealed();
            State.AdmitFromBoundQueues();
            if (_routed > 0) RecordDecision(_routingMicros);
            _routingMicros = 0;
            _routed = 0;
            return;
        }
        switch (_arrivals)
        {
            case ArrivalMode.Backlog: State.RevealUpTo(_window); break;
            case ArrivalMode.Trace: State.RevealArrivedBy(State.Clock); break;
            default: State.RevealAll(); break;
        }
        if (State.QueueCount == 0) return;
        State.BeginPolicyCall();
        var t0 = Stopwatch.GetTimestamp();
        _policy!.Place(State);
        var micros = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        State.CompactQueue();
        RecordDecision(micros);
    }

    /// <summary>Arrival binding: route, one call each in arrival order, every pending request the arrival mode reveals
    /// now (backlog: while fewer than the window wait; timed: those arrived by the clock; live: all).</summary>
    private void RouteRevealed()
    {
        if (!State.HasPending) return;
        var t0 = Stopwatch.GetTimestamp();
        var before = _routed;
        while (State.HasPending)
        {
            var reveal = _arrivals switch
            {
                ArrivalMode.Backlog => State.WaitingCount < _window,
                ArrivalMode.Trace => State.NextPendingArrival() <= State.Clock,
                _ => true,
            };
            if (!reveal) break;
            RouteOne(State.RevealForRouting());
        }
        if (_routed > before) _routingMicros += Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    }

    private void RouteOne(int id)
    {
        var rank = _router!.Route(State, id);
        if ((uint)rank >= (uint)State.Ranks)
            throw new InvalidOperationException($"router '{_router.Name}' sent request {id} to rank {rank}; ranks are 0..{State.Ranks - 1}");
        State.Bind(id, rank);
        _routed++;
    }

    private void RecordDecision(double micros)
    {
        LastDecisionMicros = micros;
        Decisions++;
        if (_keepHistory) _decisionMicros.Add(micros);
        DecisionObserved?.Invoke(micros);
    }

    /// <summary>
    /// Run the step in process with <paramref name="costModel"/> (the simulator): each rank's time from its
    /// count and load, the step as long as the slowest, every active request one token, finished ones leave.
    /// Returns the slots that finished.
    /// </summary>
    public ReadOnlySpan<int> SimulateStep(IStepCostModel costModel)
    {
        RequireStepping(State.Step + 1);
        var duration = 0.0;
        var ranks = State.Ranks;
        for (var g = 0; g < ranks; g++)
        {
            var t = costModel.RankSeconds(State.ActiveCount(g), State.Load(g));
            _rankSeconds[g] = t;
            if (t > duration) duration = t;
        }
        var barrierIdle = 0.0;
        for (var g = 0; g < ranks; g++) barrierIdle += duration - _rankSeconds[g];

        var activeBefore = State.ActiveTotal;
        _finished.Clear();
        State.AdvanceStep(duration, _finished);
        return Applied(activeBefore, duration, barrierIdle);
    }

    /// <summary>
    /// Apply a step the ranks executed (the runtime's barrier): the ranks' reported loads must be the loads the
    /// loop holds (else the two views diverged and the run is wrong), then exactly the reported completions
    /// leave, in the order the simulator removes them. <paramref name="clockAdvance"/> is how far the clock moves
    /// (the step's duration in replay; the wall time since the step began, live). Returns the slots that finished.
    /// </summary>
    public ReadOnlySpan<int> ApplyStep(StepReport report, double clockAdvance)
    {
        RequireStepping(report.Step);
        if (report.Ranks.Length != State.Ranks) throw new InvalidOperationException($"step {report.Step}: {report.Ranks.Length} reports for {State.Ranks} ranks");
        _reported.Clear();
        for (var g = 0; g < State.Ranks; g++)
        {
            var r = report.Ranks[g];
            if (r.ActiveBefore != State.ActiveCount(g) || r.LoadBefore != State.Load(g))
                throw new InvalidOperationException(
                    $"step {report.Step}: rank {g} stepped {r.ActiveBefore} requests at load {r.LoadBefore}, " +
                    $"the balancer holds {State.ActiveCount(g)} at load {State.Load(g)}; the rank and the balancer disagree");
            foreach (var serial in r.Finished.Span) _reported.Add(SlotOfActive(g, serial, report.Step));
        }
        var activeBefore = State.ActiveTotal;
        _finished.Clear();
        State.ApplyStep(clockAdvance, CollectionsMarshal.AsSpan(_reported), _finished);
        return Applied(activeBefore, report.Duration, report.BarrierIdleSeconds);
    }

    /// <summary>The slot of the request with this serial active on rank g: ranks name requests by serial, which no
    /// two requests share, while slots are reused.</summary>
    private int SlotOfActive(int rank, long serial, int step)
    {
        foreach (var slot in State.ActiveRequests(rank))
            if (State.Serial(slot) == serial) return slot;
        throw new InvalidOperationException($"step {step}: rank {rank} reported request {serial} finished, but it is not active there");
    }

    private ReadOnlySpan<int> Applied(int activeBefore, double duration, double barrierIdle)
    {
        LastStep = _recorder.Record(State, activeBefore, _finished.Count, duration, barrierIdle, referenceFigures: _keepHistory);
        if (_keepHistory) _steps.Add(LastStep);
        _phase = Phase.AfterStep;
        // Between steps, outside any decision's time (see IPlacementPolicy.OnStepped).
        _policy?.OnStepped(State.View);
        _router?.OnStepped(State.View);
        return CollectionsMarshal.AsSpan(_finished);
    }

    private void RequireStepping(int step)
    {
        if (_phase != Phase.Stepping) throw new InvalidOperationException($"step {step} reported while no step runs");
        if (step != State.Step + 1) throw new InvalidOperationException($"step {step} reported while step {State.Step + 1} runs");
    }

    /// <summary>The simulator's summary, computed from the kept history (replay and simulation only).</summary>
    public RunSummary Summarize() =>
        RunSummary.Compute(Name, State, _steps, DecisionMicros, _wall.Elapsed.TotalSeconds);

    private InvalidOperationException Stuck() => new(
        $"policy '{Name}' admitted nothing onto an idle cluster at step {State.Step} with {State.WaitingCount} waiting; " +
        $"{State.RequestsAdded - State.FinishedCount} requests would never finish");
}

/// <summary>One rank's account of a step: the count and load that set it, its compute time, the requests (by serial) that finished.</summary>
public readonly record struct RankStepReport(int ActiveBefore, long LoadBefore, double ComputeSeconds, ReadOnlyMemory<long> Finished);

/// <summary>A closed step: every rank's report (indexed by rank), T = max t_g and Σ_g (T − t_g).</summary>
public readonly record struct StepReport(int Step, double Duration, double BarrierIdleSeconds, ReadOnlyMemory<RankStepReport> RanksMemory)
{
    public ReadOnlySpan<RankStepReport> Ranks => RanksMemory.Span;
}
