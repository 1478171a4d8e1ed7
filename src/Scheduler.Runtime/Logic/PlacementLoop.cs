using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Results;

namespace Scheduler.Runtime.Logic;

/// <summary>What the balancer must do next.</summary>
public abstract record LoopAction
{
    /// <summary>The next decision depends on requests not yet received: wait for input (or its end).</summary>
    public sealed record NeedInput : LoopAction
    {
        public static readonly NeedInput Instance = new();
    }

    /// <summary>Send the admissions, then have the barrier run <see cref="Step"/>.</summary>
    public sealed record RunStep(int Step, ImmutableArray<AdmitRequests> Admissions, ImmutableArray<int> AdmittedThrough) : LoopAction;

    /// <summary>Every request finished and no more will come.</summary>
    public sealed record Finished : LoopAction
    {
        public static readonly Finished Instance = new();
    }
}

/// <summary>
/// The simulator's loop (<see cref="Simulator.Run"/>) cut at its two waiting points, so an actor can drive it
/// with requests that stream in and steps that ranks execute: it reveals and calls the policy exactly where
/// the simulator does, on the same <see cref="ClusterState"/>, and applies each step from the barrier's
/// reports through <see cref="ClusterState.ApplyStep"/>. Where a decision depends on requests not yet
/// received (a reveal window not yet full, a virtual clock past the last arrival seen) it answers
/// <see cref="LoopAction.NeedInput"/>, so a run gives the simulator's decisions whatever the stream's timing.
/// </summary>
/// <remarks>Mutable by design, like <see cref="ClusterState"/> which it wraps: a step must not copy the cluster.</remarks>
public sealed class PlacementLoop
{
    private enum Phase { Initial, Top, Idle, IdleDecide, Stepping, AfterStep, Finished }

    private readonly IPlacementPolicy _policy;
    private readonly bool _timed;
    private readonly int _window;
    private readonly List<long> _sourceIds;
    private readonly List<StepRecord> _steps = new(4096);
    private readonly List<double> _decisionMicros = new(4096);
    private readonly StepRecorder _recorder = new();
    private readonly List<int> _finished;
    private readonly List<int> _reported;
    private readonly int[] _admittedThrough;
    private readonly List<RankRequest>?[] _perRank;
    private readonly Stopwatch _wall = new();
    private readonly List<int> _trueOutput;
    private readonly List<CompletedRequest> _completed;
    private Phase _phase = Phase.Initial;
    private int _dispatched;
    private double _lastArrival = double.NegativeInfinity;

    public PlacementLoop(ClusterShape shape, IPlacementPolicy policy, ArrivalMode arrivals, int capacityHint = 1024)
    {
        _policy = policy;
        _timed = arrivals == ArrivalMode.Trace;
        _window = shape.RevealWindow;
        State = new ClusterState(shape, capacityHint);
        _sourceIds = new List<long>(capacityHint);
        _trueOutput = new List<int>(capacityHint);
        _completed = new List<CompletedRequest>(capacityHint);
        _finished = new List<int>(shape.Ranks * shape.BatchSize);
        _reported = new List<int>(shape.Ranks * shape.BatchSize);
        _admittedThrough = new int[shape.Ranks];
        _perRank = new List<RankRequest>?[shape.Ranks];
    }

    public ClusterState State { get; }
    public IPlacementPolicy Policy => _policy;
    public bool InputComplete { get; private set; }
    public bool IsFinished => _phase == Phase.Finished;
    public bool IsStepping => _phase == Phase.Stepping;
    public IReadOnlyList<StepRecord> Steps => _steps;

    /// <summary>Every finished request so far, in the order they finished.</summary>
    public IReadOnlyList<CompletedRequest> CompletedRequests => _completed;
    public int Received => State.RequestCount;

    /// <summary>Requests the loop holds but has not shown the policy yet (the ingestion buffer it bounds).</summary>
    public int Unrevealed => State.PendingCount;

    /// <summary>Take the next request (dense ids in order, arrivals not decreasing).</summary>
    public void Add(in IngestedRequest ingested)
    {
        if (InputComplete) throw new InvalidOperationException($"request {ingested.Request.Id} arrived after the input ended");
        State.AddRequest(ingested.Request);
        _sourceIds.Add(ingested.SourceId);
        _trueOutput.Add(ingested.Request.OutputTokens);
        _lastArrival = ingested.Request.ArrivalSeconds;
    }

    public void CompleteInput() => InputComplete = true;

    public long SourceId(int requestId) => _sourceIds[requestId];

    /// <summary>Run the loop until it must wait for input or for a step; policy errors surface as exceptions.</summary>
    public LoopAction Advance()
    {
        if (!_wall.IsRunning && _phase == Phase.Initial) _wall.Start();
        while (true)
        {
            switch (_phase)
            {
                case Phase.Initial:
                    if (!ReadyToDecide()) return LoopAction.NeedInput.Instance;
                    RevealAndDecide();
                    _phase = Phase.Top;
                    break;

                case Phase.Top:
                    if (State.FinishedCount == State.RequestCount && InputComplete)
                    {
                        if (State.RequestCount == 0) throw new InvalidOperationException("the input held no requests");
                        _wall.Stop();
                        _phase = Phase.Finished;
                        return LoopAction.Finished.Instance;
                    }
                    if (State.ActiveTotal > 0) return StartStep();
                    _phase = Phase.Idle;
                    break;

                case Phase.Idle:
                    // Nothing decodes: the simulator reveals and decides again if anything is queued or pending.
                    if (State.QueueCount == 0 && State.PendingCount == 0)
                    {
                        if (!InputComplete)
                        {
                            _phase = Phase.Top;
                            return LoopAction.NeedInput.Instance;
                        }
                        throw Stuck();
                    }
                    if (_timed && State.QueueCount == 0) State.AdvanceClockTo(State.NextPendingArrival());
                    _phase = Phase.IdleDecide;
                    break;

                case Phase.IdleDecide:
                    if (!ReadyToDecide()) return LoopAction.NeedInput.Instance;
                    RevealAndDecide();
                    if (State.ActiveTotal == 0 && !(_timed && State.HasPending && State.QueueCount == 0)) throw Stuck();
                    _phase = Phase.Top;
                    break;

                case Phase.AfterStep:
                    if (State.QueueCount == 0 && State.PendingCount == 0 && !InputComplete) return LoopAction.NeedInput.Instance;
                    if (State.QueueCount > 0 || State.PendingCount > 0)
                    {
                        if (!ReadyToDecide()) return LoopAction.NeedInput.Instance;
                        RevealAndDecide();
                    }
                    _phase = Phase.Top;
                    break;

                case Phase.Stepping:
                    throw new InvalidOperationException($"step {State.Step + 1} is still running");

                case Phase.Finished:
                    return LoopAction.Finished.Instance;
            }
        }
    }

    /// <summary>
    /// Whether the reveal at this decision point sees what the simulator's would: the window can be filled
    /// (backlog), or a request arriving after the clock has been received (timed), or the input has ended.
    /// </summary>
    private bool ReadyToDecide()
    {
        if (InputComplete) return true;
        if (!_timed) return State.PendingCount >= _window - State.QueueCount;
        if (_lastArrival > State.Clock) return true;
        // Reveal what has arrived already: the simulator's reveal here would take these too, and it frees room.
        State.RevealArrivedBy(State.Clock);
        return false;
    }

    private void RevealAndDecide()
    {
        if (_timed) State.RevealArrivedBy(State.Clock);
        else State.RevealUpTo(_window);
        if (State.QueueCount == 0) return;
        var t0 = Stopwatch.GetTimestamp();
        _policy.Place(State);
        _decisionMicros.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
        State.CompactQueue();
    }

    private LoopAction.RunStep StartStep()
    {
        var admissions = State.Admissions;
        var batches = ImmutableArray<AdmitRequests>.Empty;
        if (_dispatched < admissions.Count)
        {
            var ranks = 0;
            for (var i = _dispatched; i < admissions.Count; i++)
            {
                var a = admissions[i];
                var list = _perRank[a.Rank] ??= new List<RankRequest>(State.BatchSize);
                if (list.Count == 0) ranks++;
                list.Add(new RankRequest(a.RequestId, State.PromptTokens(a.RequestId), TrueOutputOf(a.RequestId)));
            }
            var builder = ImmutableArray.CreateBuilder<AdmitRequests>(ranks);
            for (var g = 0; g < _perRank.Length; g++)
            {
                var list = _perRank[g];
                if (list is null || list.Count == 0) continue;
                _admittedThrough[g] += list.Count;
                builder.Add(new AdmitRequests(g, State.Step, [.. list]));
                list.Clear();
            }
            batches = builder.MoveToImmutable();
            _dispatched = admissions.Count;
        }
        _phase = Phase.Stepping;
        return new LoopAction.RunStep(State.Step + 1, batches, [.. _admittedThrough]);
    }

    /// <summary>The rank's engine needs the output length to stop at (cost-model) or as its cap (real
    /// decode); the loop keeps its own copy because the state shows it to no one before the request finishes.</summary>
    private int TrueOutputOf(int requestId) => _trueOutput[requestId];

    /// <summary>
    /// Apply the step the barrier closed: the ranks' reported loads must be the loads the balancer holds
    /// (else the two views diverged and the run is wrong), then the reported completions leave.
    /// Returns the requests that finished at this step.
    /// </summary>
    public ImmutableArray<CompletedRequest> ApplyStep(StepBarrierPassed passed)
    {
        if (_phase != Phase.Stepping) throw new InvalidOperationException($"step {passed.Step} reported while no step runs");
        if (passed.Step != State.Step + 1) throw new InvalidOperationException($"step {passed.Step} reported while step {State.Step + 1} runs");
        if (passed.Reports.Length != State.Ranks) throw new InvalidOperationException($"step {passed.Step}: {passed.Reports.Length} reports for {State.Ranks} ranks");

        _reported.Clear();
        for (var g = 0; g < State.Ranks; g++)
        {
            var r = passed.Reports[g];
            if (r.Rank != g || r.Step != passed.Step)
                throw new InvalidOperationException($"step {passed.Step}: report {g} is rank {r.Rank} step {r.Step}");
            if (r.ActiveBefore != State.ActiveCount(g) || r.LoadBefore != State.Load(g))
                throw new InvalidOperationException(
                    $"step {passed.Step}: rank {g} stepped {r.ActiveBefore} requests at load {r.LoadBefore}, " +
                    $"the balancer holds {State.ActiveCount(g)} at load {State.Load(g)}; the rank and the balancer disagree");
            foreach (var id in r.Finished) _reported.Add(id);
        }

        var activeBefore = State.ActiveTotal;
        _finished.Clear();
        State.ApplyStep(passed.Duration, CollectionsMarshal.AsSpan(_reported), _finished);
        _steps.Add(_recorder.Record(State, activeBefore, _finished.Count, passed.Duration, passed.BarrierIdleSeconds));
        _phase = Phase.AfterStep;
        if (_finished.Count == 0) return ImmutableArray<CompletedRequest>.Empty;
        var rows = ImmutableArray.CreateBuilder<CompletedRequest>(_finished.Count);
        foreach (var id in _finished) rows.Add(Completed(id));
        var done = rows.MoveToImmutable();
        _completed.AddRange(done);
        return done;
    }

    /// <summary>The finished request as the result sink writes it.</summary>
    private CompletedRequest Completed(int requestId) => new(
        RequestId: requestId,
        SourceId: _sourceIds[requestId],
        Rank: State.RankOf(requestId),
        PromptTokens: State.PromptTokens(requestId),
        OutputTokens: State.FinishedOutputTokens(requestId),
        ArrivalSeconds: State.ArrivalSeconds(requestId),
        AdmittedSeconds: State.StartTime(requestId),
        FirstTokenSeconds: State.FirstTokenTime(requestId),
        FinishedSeconds: State.FinishTime(requestId),
        FinishedStep: State.Step);

    /// <summary>The simulator's summary, computed by the same code from the same state and step records.</summary>
    public RunSummary Summarize() =>
        RunSummary.Compute(_policy.Name, State, _steps, CollectionsMarshal.AsSpan(_decisionMicros), _wall.Elapsed.TotalSeconds);

    private InvalidOperationException Stuck() => new(
        $"policy '{_policy.Name}' admitted nothing onto an idle cluster at step {State.Step} with {State.QueueCount} queued; " +
        $"{State.RequestCount - State.FinishedCount} requests would never finish");
}
