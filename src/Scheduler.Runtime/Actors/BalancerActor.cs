using System.Collections.Immutable;
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Routing;
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

    /// <summary>Taking over from a lost balancer: learning from the ranks what they decode, before any step.</summary>
    TakingOver,
}

/// <summary>What a balancer is built from: the cluster, the policy (a fresh instance; null when <see cref="Router"/>
/// binds on arrival instead), how requests arrive (replay in virtual time, or live on the wall clock), its settings,
/// the longest request (prompt + output) the ranks' engine can decode (null: no limit), and who hears its events.</summary>
public sealed record BalancerSetup(
    ClusterShape Shape,
    IPlacementPolicy? Policy,
    ArrivalMode Arrivals,
    BalancerSettings Settings,
    int? MaxSequenceTokens = null,
    IServiceObserver? Observer = null)
{
    public bool Live => Arrivals == ArrivalMode.Live;

    /// <summary>Bind each request to a rank when it arrives with this router (a fresh instance), each rank admitting
    /// from its own queue, instead of placing from a pool with <see cref="Policy"/>; exactly one of the two is set.</summary>
    public IArrivalRouter? Router { get; init; }

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
public sealed class BalancerActor : UntypedActor, IWithTimers, IWithUnboundedStash
{
    /// <summary>How long a request adopted from a rank may wait, finished, for the ingress holding its delivery to send it
    /// again (its result then acknowledges that delivery); after that its result is written through any ingress.</summary>
    public static readonly TimeSpan ClaimWindow = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan TakeoverRetry = TimeSpan.FromSeconds(1);

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
    private readonly int[] _rankQueueHeld;
    private readonly int[] _queueLengths;
    private readonly Dictionary<int, List<FinishedRequest>> _finishedByIngress = [];
    private BalancerPhase _phase = BalancerPhase.Placing;
    private IActorRef? _awaitingAck;
    private int _resultsOutstanding;
    private int _rankTimeouts;
    private long _stepStarted;
    private IActorRef? _returnRequester;
    private int _returnsOutstanding;
    private int _returnedCount;
    private readonly BalancerTakeover? _takeover;
    private AdoptActive?[] _adoptions = [];
    private long _takeoverStarted;
    private int _takeoverRetries;
    private readonly Dictionary<int, long> _unclaimed = [];
    private readonly Dictionary<int, List<(int Ingress, long Tag)>> _foreignDeliveries = [];

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    public BalancerActor(BalancerSetup setup, IActorRef barrier, IActorRef rankRegion, IActorRef monitor)
    {
        _setup = setup;
        _barrier = barrier;
        _ranks = rankRegion;
        _monitor = monitor;
        _observer = setup.Observer ?? NullServiceObserver.Instance;
        _finished = new RecentlyFinished(setup.Live ? setup.Settings.RememberFinished : 0);
        var loopOptions = new PlacementLoopOptions
        {
            Arrivals = setup.Arrivals,
            Binding = setup.Router is null ? BindingMode.Pool : BindingMode.Arrival,
            // A live service keeps nothing per request once its result is out; a replay keeps all for its summary.
            RecordAdmissions = !setup.Live,
            KeepHistory = !setup.Live,
            CapacityHint = setup.Live ? setup.Shape.Ranks * setup.Shape.BatchSize * 2 : 1024,
        };
        _loop = (setup.Policy, setup.Router) switch
        {
            ({ } policy, null) => new PlacementLoop(setup.Shape, policy, loopOptions),
            (null, { } router) => new PlacementLoop(setup.Shape, router, loopOptions),
            _ => throw new ArgumentException("a balancer takes a placement policy or an arrival router, exactly one of them"),
        };
        _loop.DecisionObserved = _observer.DecisionTimed;
        _admittedThrough = new long[setup.Shape.Ranks];
        _perRank = new List<RankRequest>?[setup.Shape.Ranks];
        _rankQueueHeld = new int[setup.Shape.Ranks];
        _queueLengths = new int[setup.Shape.Ranks];
        // A live balancer with an epoch may be replacing a lost one: it first adopts what the ranks still decode.
        if (setup.Live && setup.Epoch != 0)
        {
            _takeover = new BalancerTakeover(setup.Shape.Ranks, setup.Epoch);
            _phase = BalancerPhase.TakingOver;
        }
    }

    protected override void PreStart()
    {
        if (_takeover is null) return;
        _takeoverStarted = Stopwatch.GetTimestamp();
        for (var g = 0; g < _setup.Shape.Ranks; g++) _ranks.Tell(new ListActive(g, _takeover.Epoch));
        Timers.StartPeriodicTimer(TakeoverTimer, TakeoverTick.Instance, TakeoverRetry);
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
        if (_phase == BalancerPhase.TakingOver && TakeOver(message)) return;
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

            case ClaimTick:
                WriteUnclaimed(ClaimWindow);
                break;

            case ActiveListed or ActiveAdopted or TakeoverTick:
                break; // a late answer to a takeover already done

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
                var holder = _registry.IngressOf(existing);
                if (holder < 0)
                {
                    // Adopted from a rank at a takeover: this is its delivery, which its result acknowledges.
                    _registry.Claim(existing, ingress, ingested.DeliveryTag);
                    if (_unclaimed.Remove(existing)) SendResultsNow([existing]);
                    continue;
                }
                if (holder == ingress) _registry.AttachDelivery(existing, ingested.DeliveryTag);
                else
                {
                    // Another ingress's delivery tags mean nothing to this one: acknowledged there once the result is written.
                    if (!_foreignDeliveries.TryGetValue(existing, out var foreign)) _foreignDeliveries[existing] = foreign = [];
                    foreign.Add((ingress, ingested.DeliveryTag));
                }
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
            activeBefore, State.WaitingCount + State.PendingCount, State.Loads, State.ActiveCounts, QueueLengths()));
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
        // Its queue went with it (arrival binding): the next tick sends it all that waits there.
        _rankQueueHeld[rank] = 0;
        var restarted = _loop.RestartRank(rank);
        _log.Warning("rank {0} was lost and re-created: {1} request(s) restart from their prompt", rank, restarted.Length);
        _observer.RankRestarted(rank, restarted.Length);
    }

    /// <summary>Each finished request's result to the ingress that delivered it, one message per ingress (counted in
    /// <see cref="_resultsOutstanding"/> by the caller, before anything could see the loop finished).</summary>
    private void SendResults(ReadOnlySpan<int> finished)
    {
        if (finished.IsEmpty) return;
        var parked = false;
        foreach (var slot in finished)
        {
            if (_registry.IngressOf(slot) < 0)
            {
                // Adopted, and no ingress has claimed it yet: its result waits for the one holding its delivery.
                _unclaimed[slot] = Stopwatch.GetTimestamp();
                _resultsOutstanding--;
                if (!Timers.IsTimerActive(ClaimTimer)) Timers.StartPeriodicTimer(ClaimTimer, ClaimTick.Instance, TakeoverRetry);
                parked = true;
                continue;
            }
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
        // The loop may be done now that no result is outstanding (an ended input writes parked results at once).
        if (parked && _resultsOutstanding == 0) Drive();
    }

    private void OnResultsWritten(ResultsWritten written)
    {
        foreach (var w in written.Results)
        {
            _resultsOutstanding--;
            if (w.Slot < 0 || !_registry.Holds(w.Slot) || ResultSerial(w.Slot) != w.Serial) continue;
            var late = _registry.LateDeliveries(w.Slot);
            if (!late.IsEmpty) Sender.Tell(new AcknowledgeDeliveries(late));
            if (_foreignDeliveries.Remove(w.Slot, out var foreign))
                foreach (var (ingress, tag) in foreign) _ingresses[ingress].Tell(new AcknowledgeDeliveries([tag]));
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
                    if (_unclaimed.Count > 0)
                    {
                        // The input ended: no delivery will come for them now; their results are written all the same.
                        WriteUnclaimed(TimeSpan.Zero);
                        if (_resultsOutstanding > 0 || _unclaimed.Count > 0) return;
                    }
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
            list.Add(RankRequestOf(a.RequestId));
        }
        if (State.Binding == BindingMode.Arrival)
        {
            SendToRankQueues();
            return;
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
        Begin(batches.MoveToImmutable());
    }

    private void Begin(ImmutableArray<AdmitRequests> admissions)
    {
        _stepStarted = Stopwatch.GetTimestamp();
        // The admissions travel with the ticks: one message per rank and step.
        _barrier.Tell(new BeginStep(_loop.RunningStep, [.. _admittedThrough], admissions), Self);
        _phase = BalancerPhase.AwaitingBarrier;
    }

    /// <summary>Each rank's own queue length (arrival binding), for the step's observers; empty with a central pool.</summary>
    private ReadOnlySpan<int> QueueLengths()
    {
        if (State.Binding != BindingMode.Arrival) return ReadOnlySpan<int>.Empty;
        for (var g = 0; g < _queueLengths.Length; g++) _queueLengths[g] = State.BoundCount(g);
        return _queueLengths;
    }

    private RankRequest RankRequestOf(int slot) =>
        new(State.Serial(slot), State.PromptTokens(slot), _loop.OutputOf(slot), _setup.Live ? _registry.IdOf(slot) : "", State.PredictedOutput(slot));

    /// <summary>
    /// Arrival binding: each rank keeps its own queue. Rank g's queue before this boundary's admissions was what it held
    /// (<see cref="_rankQueueHeld"/>: the front of A_g ++ Q_g, the boundary's admissions to it followed by what still waits
    /// there, since bindings only join the back and admissions only leave the front); the rest of that sequence goes to
    /// it now, and it admits |A_g| from its front, as the loop did. A rank lost with its host held nothing: it is sent all.
    /// </summary>
    private void SendToRankQueues()
    {
        var batches = ImmutableArray.CreateBuilder<AdmitRequests>();
        for (var g = 0; g < _perRank.Length; g++)
        {
            var admitted = _perRank[g];
            var admittedCount = admitted?.Count ?? 0;
            var waiting = State.BoundQueue(g);
            var held = _rankQueueHeld[g];
            if (held > admittedCount + waiting.Length)
                throw new InvalidOperationException($"rank {g} holds {held} queued request(s); the loop has {admittedCount} admitted and {waiting.Length} waiting there");
            var enqueue = ImmutableArray.CreateBuilder<RankRequest>(admittedCount + waiting.Length - held);
            for (var i = held; i < admittedCount; i++) enqueue.Add(admitted![i]);
            for (var i = Math.Max(0, held - admittedCount); i < waiting.Length; i++) enqueue.Add(RankRequestOf(waiting[i]));
            _rankQueueHeld[g] = waiting.Length;
            admitted?.Clear();
            if (enqueue.Count == 0 && admittedCount == 0) continue;
            _admittedThrough[g] += admittedCount;
            batches.Add(new AdmitRequests(g, State.Step, []) { Enqueue = enqueue.MoveToImmutable(), FromQueue = admittedCount });
        }
        Begin(batches.ToImmutable());
    }

    /// <summary>
    /// The takeover's messages. Input waits (stashed) until every rank's requests are adopted: a request sent again by
    /// its ingress must find the adopted one it names, not be scheduled beside it. Returns false for what is handled as
    /// at any time (greetings, status, shutdown).
    /// </summary>
    private bool TakeOver(object message)
    {
        var takeover = _takeover!;
        switch (message)
        {
            case IngestedBatch or IngestionCompleted:
                Stash.Stash();
                return true;

            case ActiveListed listed:
                if (takeover.Listed(listed) && takeover.AllListed) AdoptAll(takeover);
                return true;

            case ActiveAdopted adopted:
                if (takeover.Adopted(adopted.Rank, adopted.Epoch) && takeover.Done) EndTakeover();
                return true;

            case TakeoverTick:
                if (++_takeoverRetries % 5 == 0)
                    _log.Warning("taking over: still waiting for rank(s) {0} after {1} s",
                        string.Join(",", takeover.AllListed ? takeover.Unadopted() : takeover.Unlisted()), _takeoverRetries);
                if (!takeover.AllListed)
                    foreach (var g in takeover.Unlisted()) _ranks.Tell(new ListActive(g, takeover.Epoch));
                else
                    foreach (var g in takeover.Unadopted()) _ranks.Tell(_adoptions[g]!);
                return true;

            default:
                return false;
        }
    }

    /// <summary>Every rank listed what it decodes: each request becomes active here, on its rank with its progress, under
    /// a serial of this balancer, which the rank is told to name it by.</summary>
    private void AdoptAll(BalancerTakeover takeover)
    {
        _loop.ClockAt(Now);
        _adoptions = new AdoptActive?[_setup.Shape.Ranks];
        var adopted = 0;
        try
        {
            for (var g = 0; g < _setup.Shape.Ranks; g++)
            {
                var listing = takeover.Listing(g);
                if (listing.Requests.IsEmpty)
                {
                    takeover.Adopted(g, takeover.Epoch);
                    continue;
                }
                var locals = ImmutableArray.CreateBuilder<long>(listing.Requests.Length);
                var serials = ImmutableArray.CreateBuilder<long>(listing.Requests.Length);
                foreach (var q in listing.Requests)
                {
                    var request = new Request((int)Math.Min(State.RequestsAdded, int.MaxValue), q.PromptTokens, q.OutputTokens, q.PredictedOutputTokens, Now);
                    var slot = _loop.Adopt(request, g, q.Generated);
                    if (q.Key.Length == 0 || !_registry.TryRegisterAdopted(slot, q.Key))
                    {
                        // Two ranks cannot hold one id unless a lost balancer placed it twice; keep it apart rather than merge two runs.
                        var key = $"adopted:{takeover.Epoch}:{g}:{q.LocalId}";
                        _log.Warning("rank {0} holds request '{1}', which another rank holds too; its result is written as '{2}'", g, q.Key, key);
                        _registry.TryRegisterAdopted(slot, key);
                    }
                    locals.Add(q.LocalId);
                    serials.Add(State.Serial(slot));
                    adopted++;
                }
                _adoptions[g] = new AdoptActive(g, takeover.Epoch, locals.MoveToImmutable(), serials.MoveToImmutable());
                _ranks.Tell(_adoptions[g]!);
            }
        }
        catch (Exception ex)
        {
            Fail($"taking over from the lost balancer: {ex.Message}");
            return;
        }
        if (adopted > 0) _log.Warning("taking over: adopted {0} request(s) the ranks were decoding", adopted);
        _observer.RequestsAdopted(adopted);
        if (takeover.Done) EndTakeover();
    }

    private void EndTakeover()
    {
        Timers.Cancel(TakeoverTimer);
        _phase = BalancerPhase.Placing;
        _log.Info("took over in {0:F3} s: {1} request(s) decoding", Stopwatch.GetElapsedTime(_takeoverStarted).TotalSeconds, State.ActiveTotal);
        Stash.UnstashAll();
        Drive();
    }

    /// <summary>Results of adopted requests that no ingress claimed within <paramref name="olderThan"/> go out through the
    /// first ingress known, acknowledging nothing: written all the same (a later delivery of the id is then acknowledged
    /// against it).</summary>
    private void WriteUnclaimed(TimeSpan olderThan)
    {
        if (_ingresses.Count == 0) return;
        List<int>? due = null;
        foreach (var (slot, since) in _unclaimed)
            if (Stopwatch.GetElapsedTime(since) >= olderThan) (due ??= []).Add(slot);
        if (due is null) return;
        foreach (var slot in due)
        {
            _unclaimed.Remove(slot);
            _registry.AssignUnclaimed(slot, 0);
        }
        _log.Warning("{0} adopted request(s) finished with no ingress claiming them; their results go out through the first ingress", due.Count);
        SendResultsNow(due.ToArray());
        if (_unclaimed.Count == 0) Timers.Cancel(ClaimTimer);
    }

    private void SendResultsNow(ReadOnlySpan<int> slots)
    {
        _resultsOutstanding += slots.Length;
        SendResults(slots);
    }

    private const string TakeoverTimer = "takeover";
    private const string ClaimTimer = "claims";

    private sealed record TakeoverTick : INoSerializationVerificationNeeded
    {
        public static readonly TakeoverTick Instance = new();
    }

    private sealed record ClaimTick : INoSerializationVerificationNeeded
    {
        public static readonly ClaimTick Instance = new();
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
            // Adopted and never claimed: no ingress holds a delivery of it (its source will deliver it again).
            if (ingress < 0) continue;
            if (!byIngress.TryGetValue(ingress, out var list)) byIngress[ingress] = list = [];
            list.Add(new UnfinishedRequest(_registry.IdOf(slot), _registry.AllDeliveries(slot), State.Generated(slot)));
            if (_foreignDeliveries.Remove(slot, out var foreign))
                foreach (var (other, tag) in foreign)
                {
                    if (!byIngress.TryGetValue(other, out var otherList)) byIngress[other] = otherList = [];
                    otherList.Add(new UnfinishedRequest(_registry.IdOf(slot), [tag], State.Generated(slot)));
                }
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
