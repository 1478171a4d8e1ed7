using System.Collections.Immutable;
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Ingestion.Sources;
using Scheduler.Runtime.Logic;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Observability;
using Scheduler.Runtime.Results;

namespace Scheduler.Runtime.Actors;

public enum BalancerPhase
{
    /// <summary>Deciding, or waiting for input (or, live, for arrivals) to decide.</summary>
    Placing,

    /// <summary>A step is at the barrier.</summary>
    AwaitingBarrier,

    /// <summary>The run or service ended (completed, failed, or its unfinished requests were returned).</summary>
    Done,
}

/// <summary>What a balancer is built from: the cluster, the policy (a fresh instance), how requests arrive (replay
/// in virtual time, or live on the wall clock), its settings, the longest request (prompt + output) the ranks'
/// engine can decode (null: no limit), and who hears its events.</summary>
public sealed record BalancerSetup(
    ClusterShape Shape,
    IPlacementPolicy Policy,
    ArrivalMode Arrivals,
    BalancerSettings Settings,
    int? MaxSequenceTokens = null,
    IServiceObserver? Observer = null)
{
    public bool Live => Arrivals == ArrivalMode.Live;

    /// <summary>Replay in timed mode: recorded arrivals are divided by this (2 = twice the request rate).</summary>
    public double RateScale { get; init; } = 1.0;

    /// <summary>This balancer incarnation's epoch (its start time in ms; 0 in replays): it goes with every tick, and
    /// ingresses that see a new one send it again what they hold.</summary>
    public long Epoch { get; init; }
}

/// <summary>Ask the balancer how it stands (from any node: the service's watch asks through the singleton proxy).</summary>
public sealed record GetBalancerStatus : ISchedulerMessage
{
    public static readonly GetBalancerStatus Instance = new();
}

/// <summary>The balancer's state: steps run, requests held (waiting = received and not on a rank; active = on a rank),
/// whether its input has ended, and whether it is done.</summary>
public sealed record BalancerStatus(int Step, int Waiting, int Active, int Held, bool InputComplete, BalancerPhase Phase)
    : ISchedulerMessage;

/// <summary>
/// Owns the waiting pool and the placement policy. Requests come from ingresses in batches; each is registered
/// by its id (a redelivery of an id in the service attaches to it) and added to the one step loop
/// (<see cref="PlacementLoop"/>). At each step boundary the loop places, the balancer tells each rank its
/// admissions and has the barrier run the step; the barrier's reports are applied to the same cluster state, and
/// every finished request's result goes back to its ingress, which writes it, acknowledges its deliveries and
/// answers <see cref="ResultsWritten"/>; only then is the request's slot released.
/// <para>Replay (<c>scheduler run</c>): virtual time, decisions exactly the simulator's; the whole history is kept
/// for the summary and the end goes to the monitor as <see cref="RunCompleted"/>. Live (<c>scheduler serve</c>):
/// wall-clock time, steps back to back while anything decodes, each request stamped on arrival, memory held only
/// for requests in the service; <see cref="ServiceFinished"/> once the input has ended and every result is written.</para>
/// </summary>
public sealed class BalancerActor : UntypedActor
{
    private readonly PlacementLoop _loop;
    private readonly BalancerSetup _setup;
    private readonly IActorRef _barrier;
    private readonly IActorRef _ranks;
    private readonly IActorRef _monitor;
    private readonly IServiceObserver _observer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LocalRankDirectory _directory = LocalRankDirectory.Get(Context.System);
    private readonly RequestRegistry _registry = new();
    private readonly RecentlyFinished _finished;
    private readonly List<IActorRef> _ingresses = [];
    private readonly HashSet<IActorRef> _completedIngresses = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly long[] _admittedThrough;
    private readonly List<RankRequest>?[] _perRank;
    private readonly Dictionary<int, List<FinishedRequest>> _finishedByIngress = [];
    private BalancerPhase _phase = BalancerPhase.Placing;
    private IActorRef? _awaitingAck;
    private int _resultsOutstanding;
    private int _rankTimeouts;
    private long _stepStarted;
    private IActorRef? _returnRequester;
    private int _returnsOutstanding;
    private int _returnedCount;

    public BalancerActor(BalancerSetup setup, IActorRef barrier, IActorRef rankRegion, IActorRef monitor)
    {
        _setup = setup;
        _barrier = barrier;
        _ranks = rankRegion;
        _monitor = monitor;
        _observer = setup.Observer ?? NullServiceObserver.Instance;
        _finished = new RecentlyFinished(setup.Live ? setup.Settings.RememberFinished : 0);
        _loop = new PlacementLoop(setup.Shape, setup.Policy, new PlacementLoopOptions
        {
            Arrivals = setup.Arrivals,
            // A live service keeps nothing per request once its result is out; a replay keeps all for its summary.
            RecordAdmissions = !setup.Live,
            KeepHistory = !setup.Live,
            CapacityHint = setup.Live ? setup.Shape.Ranks * setup.Shape.BatchSize * 2 : 1024,
        });
        _loop.DecisionObserved = _observer.DecisionTimed;
        _admittedThrough = new long[setup.Shape.Ranks];
        _perRank = new List<RankRequest>?[setup.Shape.Ranks];
    }

    public static Props Props(BalancerSetup setup, IActorRef barrier, IActorRef rankRegion, IActorRef monitor) =>
        Akka.Actor.Props.Create(() => new BalancerActor(setup, barrier, rankRegion, monitor));

    private ClusterState State => _loop.State;

    // A live balancer's serials start at 0 in every incarnation; offset by a random number of this incarnation's, the
    // serial a result is acknowledged under never matches a request of a later incarnation (an ingress may still be
    // writing an old one's results when a new one takes over).
    private readonly long _serialOffset = Random.Shared.NextInt64();

    private long ResultSerial(int slot) => unchecked(State.Serial(slot) + (_setup.Live ? _serialOffset : 0));

    /// <summary>Replay holds at most this many received requests it has not yet shown the policy (never fewer than
    /// one reveal window, or a backlogged run could not fill its window and would wait forever).</summary>
    private int MaxUnrevealed => Math.Max(_setup.Settings.MaxUnrevealed, _setup.Shape.RevealWindow);

    private double Now => _clock.Elapsed.TotalSeconds;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case IngestedBatch batch:
                if (_phase == BalancerPhase.Done) return;
                try
                {
                    Take(batch);
                }
                catch (Exception ex)
                {
                    Fail($"request rejected by the cluster state: {ex.Message}");
                    return;
                }
                if (_setup.Live || _loop.Unrevealed < MaxUnrevealed) Sender.Tell(IngestedBatchAck.Instance);
                else _awaitingAck = Sender;
                Drive();
                break;

            case IngestionCompleted:
                if (_phase == BalancerPhase.Done) return;
                IngressOf(Sender);
                _completedIngresses.Add(Sender);
                if (_completedIngresses.Count == _ingresses.Count) _loop.CompleteInput();
                Drive();
                break;

            case IngestionFailed failed:
                // The service goes on with what it holds (its source reported the failure); a replay cannot.
                if (_setup.Live) _log.Error("ingestion failed: {0}", failed.Reason);
                else Fail($"the input stream failed: {failed.Reason}");
                break;

            case StepBarrierPassed passed:
                OnStepPassed(passed);
                break;

            case ResultsWritten written:
                OnResultsWritten(written);
                break;

            case RanksMissing missing:
                _rankTimeouts++;
                if (missing.GaveUp)
                    Fail($"rank(s) {string.Join(",", missing.Ranks)} did not complete step {missing.Step} after {missing.Attempt} timeout(s) of {_setup.Settings.StepTimeout}");
                break;

            case RankFailed failed:
                Fail($"rank {failed.Rank} failed step {failed.Step}: {failed.Reason}");
                break;

            case BeginStepRejected rejected:
                Fail($"the barrier rejected step {rejected.Step}: {rejected.Reason}");
                break;

            case ReturnUnfinished:
                ReturnAll();
                break;

            case RequestsReturned returned:
                _returnedCount += returned.Count;
                if (--_returnsOutstanding == 0) _returnRequester?.Tell(new UnfinishedReturned(_returnedCount));
                break;

            case GetBalancerStatus:
                Sender.Tell(Status());
                break;

            case IngressHello:
                IngressOf(Sender);
                Sender.Tell(new BalancerHello(_setup.Epoch));
                break;

            case CancelRun cancel:
                Fail(cancel.Reason);
                break;

            default:
                Unhandled(message);
                break;
        }
    }

    private int IngressOf(IActorRef ingress)
    {
        var index = _ingresses.IndexOf(ingress);
        if (index >= 0) return index;
        _ingresses.Add(ingress);
        return _ingresses.Count - 1;
    }

    private void Take(IngestedBatch batch)
    {
        var ingress = IngressOf(Sender);
        var now = Now;
        if (_setup.Live) _loop.ClockAt(now);
        var accepted = 0;
        List<FinishedRequest>? refused = null;
        List<long>? alreadyFinished = null;
        foreach (var ingested in batch.Requests)
        {
            var r = ingested.Request;
            if (_registry.TryFind(r.Id, out var existing))
            {
                _registry.AttachDelivery(existing, ingested.DeliveryTag);
                _observer.DuplicateDelivered();
                continue;
            }
            if (_finished.Contains(r.Id))
            {
                // Its result is written: a redelivery (its acknowledgement was lost) is acknowledged, not run again.
                (alreadyFinished ??= []).Add(ingested.DeliveryTag);
                _observer.DuplicateDelivered();
                continue;
            }
            if (_setup.MaxSequenceTokens is { } limit && (long)r.PromptTokens + r.OutputTokens > limit)
            {
                // Refused at admission: it could never complete on these ranks' model.
                var reason = $"prompt_tokens + output_tokens = {(long)r.PromptTokens + r.OutputTokens} exceeds the model's context of {limit} tokens";
                (refused ??= []).Add(new FinishedRequest(RequestResult.Failure(r.Id, reason), [ingested.DeliveryTag], -1, -1));
                accepted++;
                continue;
            }
            // Live: arrival is now. Replay: the recorded time, rescaled (a backlog shows it to no one but the
            // latency figures, as in the simulator).
            var arrival = _setup.Live ? now : RateScale.Apply(r.ArrivalSeconds, _setup.RateScale);
            var slot = _loop.Add(new Request((int)Math.Min(State.RequestsAdded, int.MaxValue), r.PromptTokens, r.OutputTokens, r.PredictedOutputTokens, arrival));
            _registry.Register(slot, r.Id, ingress, ingested.DeliveryTag);
            accepted++;
        }
        if (accepted > 0) _observer.RequestsAccepted(accepted);
        if (alreadyFinished is not null) Sender.Tell(new AcknowledgeDeliveries([.. alreadyFinished]));
        if (refused is not null)
        {
            _resultsOutstanding += refused.Count;
            Sender.Tell(new RequestsFinished([.. refused]));
        }
    }

    private void OnStepPassed(StepBarrierPassed passed)
    {
        if (_phase != BalancerPhase.AwaitingBarrier) return;
        ReadOnlySpan<int> finished;
        var wall = Stopwatch.GetElapsedTime(_stepStarted).TotalSeconds;
        int activeBefore;
        try
        {
            foreach (var report in passed.Reports)
                if (report.Restarted) RestartRank(report.Rank);
            activeBefore = State.ActiveTotal;
            var ranks = new RankStepReport[passed.Reports.Length];
            for (var g = 0; g < ranks.Length; g++)
            {
                var r = passed.Reports[g];
                if (r.Rank != g || r.Step != passed.Step)
                    throw new InvalidOperationException($"step {passed.Step}: report {g} is rank {r.Rank} step {r.Step}");
                ranks[g] = new RankStepReport(r.ActiveBefore, r.LoadBefore, r.ComputeSeconds, r.Finished.AsMemory());
            }
            var advance = _setup.Live ? Math.Max(0.0, Now - State.Clock) : passed.Duration;
            finished = _loop.ApplyStep(new StepReport(passed.Step, passed.Duration, passed.BarrierIdleSeconds, ranks), advance);
        }
        catch (Exception ex)
        {
            Fail(ex.Message);
            return;
        }
        // The next step goes out first: the results of this one are written while the ranks decode it.
        _resultsOutstanding += finished.Length;
        _phase = BalancerPhase.Placing;
        Drive();
        SendResults(finished);
        var step = _loop.LastStep;
        _observer.StepCompleted(new StepObservation(step.Step, wall, passed.Duration, passed.BarrierIdleSeconds, step.Imbalance,
            activeBefore, State.WaitingCount + State.PendingCount, State.Loads, State.ActiveCounts));
        if (_setup.Settings.ProgressEverySteps > 0 && step.Step % _setup.Settings.ProgressEverySteps == 0) _monitor.Tell(Progress());
    }

    /// <summary>
    /// The rank was lost with its host and re-created empty on a survivor: every request the balancer had placed on it
    /// (those admitted with this step's tick included) goes back to the head of the waiting pool, to start again from
    /// its prompt wherever the policy places it next. Each keeps its registration and deliveries, so it still ends in
    /// exactly one result; nothing is acknowledged until then.
    /// </summary>
    private void RestartRank(int rank)
    {
        var restarted = _loop.RestartRank(rank);
        _log.Warning("rank {0} was lost and re-created: {1} request(s) restart from their prompt", rank, restarted.Length);
        _observer.RankRestarted(rank, restarted.Length);
    }

    /// <summary>Each finished request's result to the ingress that delivered it, one message per ingress (counted in
    /// <see cref="_resultsOutstanding"/> by the caller, before anything could see the loop finished).</summary>
    private void SendResults(ReadOnlySpan<int> finished)
    {
        if (finished.IsEmpty) return;
        foreach (var slot in finished)
        {
            var arrival = State.ArrivalSeconds(slot);
            var output = State.FinishedOutputTokens(slot);
            var queued = State.StartTime(slot) - arrival;
            var ttft = State.FirstTokenTime(slot) - arrival;
            var e2e = State.FinishTime(slot) - arrival;
            var result = new RequestResult(_registry.IdOf(slot), ResultStatus.Completed, State.RankOf(slot), queued, ttft, e2e, output);
            var ingress = _registry.IngressOf(slot);
            if (!_finishedByIngress.TryGetValue(ingress, out var list)) _finishedByIngress[ingress] = list = [];
            list.Add(new FinishedRequest(result, _registry.TakeDeliveriesForResult(slot), slot, ResultSerial(slot)));
        }
        foreach (var (ingress, list) in _finishedByIngress)
        {
            if (list.Count == 0) continue;
            _ingresses[ingress].Tell(new RequestsFinished([.. list]));
            list.Clear();
        }
    }

    private void OnResultsWritten(ResultsWritten written)
    {
        foreach (var w in written.Results)
        {
            _resultsOutstanding--;
            if (w.Slot < 0 || !_registry.Holds(w.Slot) || ResultSerial(w.Slot) != w.Serial) continue;
            var late = _registry.LateDeliveries(w.Slot);
            if (!late.IsEmpty) Sender.Tell(new AcknowledgeDeliveries(late));
            _finished.Add(_registry.IdOf(w.Slot));
            _registry.Remove(w.Slot);
            if (_setup.Live) _loop.Release(w.Slot);
        }
        Drive();
    }

    /// <summary>Advance the loop as far as it goes: to a step at the barrier, a wait for input or arrivals, or the end.</summary>
    private void Drive()
    {
        if (_phase == BalancerPhase.Placing)
        {
            LoopAction action;
            try
            {
                if (_setup.Live) _loop.ClockAt(Now);
                action = _loop.Advance();
            }
            catch (Exception ex)
            {
                Fail(ex.Message);
                return;
            }
            switch (action)
            {
                case LoopAction.RunStep:
                    StartStep();
                    break;
                case LoopAction.Finished when _resultsOutstanding == 0:
                    Finish();
                    return;
            }
        }
        if (_awaitingAck is { } ingress && _loop.Unrevealed < MaxUnrevealed)
        {
            ingress.Tell(IngestedBatchAck.Instance);
            _awaitingAck = null;
        }
    }

    /// <summary>Have the barrier run the step, with what each rank was admitted since the last one.</summary>
    private void StartStep()
    {
        var admissions = State.RecentAdmissions;
        foreach (var a in admissions)
        {
            var list = _perRank[a.Rank] ??= new List<RankRequest>(_setup.Shape.BatchSize);
            list.Add(new RankRequest(State.Serial(a.RequestId), State.PromptTokens(a.RequestId), _loop.OutputOf(a.RequestId)));
        }
        var ranks = 0;
        foreach (var list in _perRank)
            if (list is { Count: > 0 }) ranks++;
        var batches = ImmutableArray.CreateBuilder<AdmitRequests>(ranks);
        for (var g = 0; g < _perRank.Length; g++)
        {
            var list = _perRank[g];
            if (list is null || list.Count == 0) continue;
            _admittedThrough[g] += list.Count;
            batches.Add(new AdmitRequests(g, State.Step, [.. list]));
            list.Clear();
        }
        _stepStarted = Stopwatch.GetTimestamp();
        // The admissions travel with the ticks: one message per rank and step.
        _barrier.Tell(new BeginStep(_loop.RunningStep, [.. _admittedThrough], batches.MoveToImmutable()), Self);
        _phase = BalancerPhase.AwaitingBarrier;
    }

    private BalancerStatus Status() => new(State.Step, State.WaitingCount + State.PendingCount, State.ActiveTotal, _registry.Count, _loop.InputComplete, _phase);

    private RuntimeProgress Progress() =>
        new(State.Step, State.RequestsAdded, State.RequestsAdded - State.WaitingCount - State.PendingCount, State.FinishedCount, State.WaitingCount, State.Clock);

    private void Finish()
    {
        if (_setup.Live)
        {
            _phase = BalancerPhase.Done;
            _monitor.Tell(new ServiceFinished(State.Step));
            return;
        }
        RunSummary summary;
        try
        {
            summary = _loop.Summarize();
        }
        catch (Exception ex)
        {
            Fail($"the summary could not be computed: {ex.Message}");
            return;
        }
        _phase = BalancerPhase.Done;
        _monitor.Tell(Progress());
        _monitor.Tell(new RunCompleted(summary, _loop.Steps, State.Admissions, State, _rankTimeouts));
    }

    /// <summary>
    /// The service stops now: every request it holds that has no result yet goes back to its ingress, which gives
    /// it back to its source or reports it failed (reason shutdown). Results already on their way are not touched.
    /// </summary>
    private void ReturnAll()
    {
        _returnRequester = Sender;
        _phase = BalancerPhase.Done;
        var byIngress = new Dictionary<int, List<UnfinishedRequest>>();
        foreach (var slot in _registry.Slots.ToArray())
        {
            var phase = State.PhaseOf(slot);
            if (phase is RequestPhase.Finished or RequestPhase.Released) continue;
            var ingress = _registry.IngressOf(slot);
            if (!byIngress.TryGetValue(ingress, out var list)) byIngress[ingress] = list = [];
            list.Add(new UnfinishedRequest(_registry.IdOf(slot), _registry.AllDeliveries(slot), State.Generated(slot)));
        }
        _returnsOutstanding = byIngress.Count;
        if (_returnsOutstanding == 0)
        {
            Sender.Tell(new UnfinishedReturned(0));
            return;
        }
        foreach (var (ingress, list) in byIngress) _ingresses[ingress].Tell(new ReturnRequests([.. list]));
    }

    /// <summary>A restart would start over on a half-advanced loop: report the run failed instead of hanging it.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        if (_phase != BalancerPhase.Done)
            _monitor.Tell(new RunFailed($"the balancer crashed handling {message?.GetType().Name}: {reason.Message}", State.Step));
        base.PreRestart(reason, message);
    }

    protected override void PostRestart(Exception reason)
    {
        base.PostRestart(reason);
        _phase = BalancerPhase.Done;
    }

    private void Fail(string reason)
    {
        if (_phase == BalancerPhase.Done) return;
        _log.Error("{0} failed at step {1}: {2}", _setup.Live ? "the service" : "the run", State.Step, reason);
        _phase = BalancerPhase.Done;
        _monitor.Tell(new RunFailed(reason, State.Step));
    }
}
