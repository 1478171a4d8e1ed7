using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Logic;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Actors;

/// <summary>
/// A rank's bookkeeping: the last step it completed (and its report, to answer a repeated tick), how many
/// requests it has been admitted and at which step it last was, and a tick held back because it overtook
/// admissions still on their way.
/// </summary>
public sealed record RankEntityState(
    int Rank, int LastStep, long AdmittedTotal, int LastAdmissionStep, StepCompleted? LastReport, Tick? HeldTick, IActorRef? HeldReplyTo)
{
    public static RankEntityState Initial(int rank) => new(rank, 0, 0, -1, null, null, null);

    /// <summary>The balancer epoch this rank follows (0: none yet).</summary>
    public long Epoch { get; init; }
}

/// <summary>
/// One data-parallel rank, a sharding entity (entity id = rank index, never passivated). It admits the
/// requests the balancer places on it, and on <see cref="Tick"/>(k) runs one decode step on its engine and
/// answers <see cref="StepCompleted"/> to the tick's sender (the barrier). Handlers are idempotent, since
/// sharding may deliver twice: a repeated tick for the step it last completed gets the same report again, an older
/// one is ignored, and admissions for a step already admitted are ignored. While an engine step is in flight
/// (a real decode, off the actor's thread) other messages wait for it, in order.
/// </summary>
public sealed class RankEntity : UntypedActor
{
    private readonly IDecodeEngineFactory _engines;
    private IDecodeEngine _engine;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<(object Message, IActorRef Sender)> _deferred = new();
    private readonly RankSequences _sequences = new();
    private string? _queueError;
    private RankEntityState _state;
    private bool _stepping;

    private readonly bool _registerLocally;

    /// <param name="registerLocally">Register in the node's <see cref="LocalRankDirectory"/>, so ticks and admissions
    /// come straight to this actor (off: everything comes through the region or parent that created it).</param>
    public RankEntity(int rank, IDecodeEngineFactory engines, bool registerLocally = true)
    {
        _state = RankEntityState.Initial(rank);
        _engines = engines;
        _engine = engines.Create(rank);
        _registerLocally = registerLocally;
    }

    public static Props Props(int rank, IDecodeEngineFactory engines, bool registerLocally = true) =>
        Akka.Actor.Props.Create(() => new RankEntity(rank, engines, registerLocally));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case EngineStepDone done:
                _stepping = false;
                Report(done.Tick, done.ReplyTo, done.ActiveBefore, done.LoadBefore, done.Result);
                Replay();
                break;
            case EngineStepFailed failed:
                _stepping = false;
                Fail(failed.Tick, failed.ReplyTo, failed.Error);
                Replay();
                break;
            case var _ when _stepping:
                _deferred.Enqueue((message, Sender));
                break;
            default:
                Handle(message, Sender);
                break;
        }
    }

    /// <summary>What waited for the engine's step, in the order it came, until one starts another step.</summary>
    private void Replay()
    {
        while (!_stepping && _deferred.TryDequeue(out var next)) Handle(next.Message, next.Sender);
    }

    private void Handle(object message, IActorRef sender)
    {
        switch (message)
        {
            case AdmitRequests admit:
                Admit(admit.Step, admit.Requests, admit.Enqueue, admit.FromQueue);
                if (_state.HeldTick is { } held && _state.AdmittedTotal >= held.AdmittedThrough)
                {
                    var replyTo = _state.HeldReplyTo!;
                    _state = _state with { HeldTick = null, HeldReplyTo = null };
                    RunStep(held, replyTo);
                }
                break;

            case Tick tick:
                if (tick.Epoch < _state.Epoch) return; // an older balancer's, still on its way
                if (tick.Epoch > _state.Epoch) StartEpoch(tick.Epoch);
                if (tick.Incarnation != 0 && tick.Incarnation != Incarnation)
                {
                    Replace(tick, sender);
                    return;
                }
                if (!tick.Admit.IsDefaultOrEmpty || !tick.Enqueue.IsDefaultOrEmpty || tick.FromQueue > 0)
                    Admit(tick.AdmissionStep, tick.Admit, tick.Enqueue, tick.FromQueue);
                OnTick(tick, sender);
                break;

            case ListActive list:
                if (list.Epoch < _state.Epoch) return;
                if (list.Epoch > _state.Epoch) EnterEpochKeepingRequests(list.Epoch);
                sender.Tell(new ActiveListed(_state.Rank, list.Epoch, _sequences.List()));
                break;

            case AdoptActive adopt:
                if (adopt.Epoch != _state.Epoch) return;
                _sequences.Rename(adopt.LocalIds, adopt.Serials);
                sender.Tell(new ActiveAdopted(_state.Rank, adopt.Epoch));
                break;

            case GetRankState:
                sender.Tell(new RankStateResult(_state.Rank, _state.LastStep, _state.AdmittedTotal, _engine.ActiveCount, _engine.Load));
                break;

            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>This entity's incarnation: drawn at random when it starts, so that the barrier tells a replacement from the
    /// entity it replaces (a rank re-created on another host after its own was lost).</summary>
    public long Incarnation { get; } = Random.Shared.NextInt64(1, long.MaxValue);

    /// <summary>A newer balancer ticks without having adopted what this rank holds (<see cref="ListActive"/> never reached
    /// it, or it does not take over): it knows nothing of what the old one placed here (its ingress gives the requests to
    /// it again), so the rank starts empty, at the new balancer's step count.</summary>
    private void StartEpoch(long epoch)
    {
        if (_state.Epoch != 0) _log.Warning("rank {0}: balancer epoch {1} replaces {2}; dropping {3} active request(s)", _state.Rank, epoch, _state.Epoch, _engine.ActiveCount);
        ResetEngine();
        _state = RankEntityState.Initial(_state.Rank) with { Epoch = epoch };
    }

    /// <summary>
    /// The barrier last heard from another incarnation of this rank: the rank was lost with its host and this entity
    /// replaces it. What the lost one decoded is gone (its KV cache with it), this tick's admissions included: the
    /// balancer restarts all of them from their prompts. This entity takes the tick's step and admission count as its
    /// own and reports the step empty, marked restarted, so the barrier closes it and the balancer learns of the loss.
    /// </summary>
    private void Replace(Tick tick, IActorRef replyTo)
    {
        if (tick.Step <= _state.LastStep)
        {
            // A re-tick that left before the barrier heard of this incarnation: the same answer again, or nothing.
            if (tick.Step == _state.LastStep && _state.LastReport is { } last) replyTo.Tell(last);
            return;
        }
        _log.Warning("rank {0}: replacing a lost incarnation at step {1}; its requests restart on the balancer's next placement", _state.Rank, tick.Step);
        ResetEngine();
        var report = new StepCompleted(_state.Rank, tick.Step, 0.0, 0, 0, ImmutableArray<long>.Empty)
        {
            Epoch = tick.Epoch,
            Incarnation = Incarnation,
            Restarted = true,
        };
        _state = _state with
        {
            LastStep = tick.Step,
            AdmittedTotal = tick.AdmittedThrough,
            LastAdmissionStep = tick.AdmissionStep,
            LastReport = report,
            HeldTick = null,
            HeldReplyTo = null,
        };
        replyTo.Tell(report);
    }

    /// <summary>
    /// A balancer that took over from a lost one asked what this rank decodes (<see cref="ListActive"/>): its KV caches are
    /// intact, so the rank keeps every request and follows the new epoch (the lost balancer's ticks are ignored from now
    /// on), at the new balancer's step count. The new balancer adopts the requests and renames them (<see cref="AdoptActive"/>).
    /// </summary>
    private void EnterEpochKeepingRequests(long epoch)
    {
        if (_state.Epoch != 0 || _engine.ActiveCount > 0)
            _log.Warning("rank {0}: balancer epoch {1} takes over from {2}; keeping {3} active request(s)", _state.Rank, epoch, _state.Epoch, _engine.ActiveCount);
        _state = RankEntityState.Initial(_state.Rank) with { Epoch = epoch };
        _sequences.DropWaiting();
        _queueError = null;
    }

    private void ResetEngine()
    {
        _sequences.Clear();
        _queueError = null;
        if (_engine.ActiveCount == 0) return;
        _engine.Dispose();
        _engine = _engines.Create(_state.Rank);
    }

    /// <summary>Take a boundary's admissions once: a second delivery (a re-tick, a redelivery) is ignored. With arrival
    /// binding the requests bound here join the rank's own queue and the boundary's admissions come from its front.</summary>
    private void Admit(int step, ImmutableArray<RankRequest> requests, ImmutableArray<RankRequest> enqueue, int fromQueue)
    {
        if (step <= _state.LastAdmissionStep) return;
        foreach (var r in requests) _engine.Admit(_sequences.Admit(r));
        if (!enqueue.IsDefaultOrEmpty) _sequences.Enqueue(enqueue);
        if (fromQueue > 0)
        {
            if (_sequences.TryTakeFromQueue(fromQueue, out var taken))
                foreach (var r in taken) _engine.Admit(_sequences.Admit(r));
            else
                _queueError = $"the balancer admits {fromQueue} request(s) from rank {_state.Rank}'s queue at step {step}, which holds {_sequences.Waiting}";
        }
        _state = _state with { AdmittedTotal = _state.AdmittedTotal + requests.Length + fromQueue, LastAdmissionStep = step };
    }

    private void OnTick(Tick tick, IActorRef replyTo)
    {
        if (_queueError is { } error)
        {
            Fail(tick, replyTo, new InvalidOperationException(error));
            return;
        }
        if (tick.Step <= _state.LastStep)
        {
            // The barrier re-ticks ranks it has not heard from; our report may have been the one lost.
            if (tick.Step == _state.LastStep && _state.LastReport is { } report) replyTo.Tell(report);
            return;
        }
        if (_state.AdmittedTotal < tick.AdmittedThrough)
        {
            _state = _state with { HeldTick = tick, HeldReplyTo = replyTo };
            return;
        }
        RunStep(tick, replyTo);
    }

    private void RunStep(Tick tick, IActorRef replyTo)
    {
        var activeBefore = _engine.ActiveCount;
        var loadBefore = _engine.Load;
        ValueTask<DecodeStepResult> pending;
        try
        {
            pending = _engine.StepAsync(tick.Step, _stopping.Token);
        }
        catch (Exception ex)
        {
            Fail(tick, replyTo, ex);
            return;
        }
        if (pending.IsCompletedSuccessfully)
        {
            Report(tick, replyTo, activeBefore, loadBefore, pending.Result);
            return;
        }

        // A real engine computes for a while: wait for it off the actor's thread; other messages wait for it.
        _stepping = true;
        pending.AsTask().PipeTo(Self,
            success: result => new EngineStepDone(tick, replyTo, activeBefore, loadBefore, result),
            failure: ex => new EngineStepFailed(tick, replyTo, ex));
    }

    private void Report(Tick tick, IActorRef replyTo, int activeBefore, long loadBefore, DecodeStepResult result)
    {
        var report = new StepCompleted(_state.Rank, tick.Step, result.ComputeSeconds, activeBefore, loadBefore, _sequences.Stepped(result.Finished))
        {
            Epoch = tick.Epoch,
            Incarnation = Incarnation,
        };
        _state = _state with { LastStep = tick.Step, LastReport = report };
        replyTo.Tell(report);
    }

    private void Fail(Tick tick, IActorRef replyTo, Exception error)
    {
        _log.Error(error, "rank {0}: the {1} engine failed step {2}", _state.Rank, _engine.Kind, tick.Step);
        replyTo.Tell(new RankStepFailed(_state.Rank, tick.Step, $"{_engine.Kind} engine: {error.Message}"));
    }

    protected override void PreStart()
    {
        if (_registerLocally) LocalRankDirectory.Get(Context.System).Register(_state.Rank, Self);
    }

    protected override void PostStop()
    {
        if (_registerLocally) LocalRankDirectory.Get(Context.System).Unregister(_state.Rank, Self);
        _stopping.Cancel();
        _engine.Dispose();
        _stopping.Dispose();
    }

    private sealed record EngineStepDone(Tick Tick, IActorRef ReplyTo, int ActiveBefore, long LoadBefore, DecodeStepResult Result)
        : INoSerializationVerificationNeeded;

    private sealed record EngineStepFailed(Tick Tick, IActorRef ReplyTo, Exception Error) : INoSerializationVerificationNeeded;
}
