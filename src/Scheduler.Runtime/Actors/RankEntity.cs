using Akka.Actor;
using Akka.Event;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Actors;

/// <summary>
/// A rank's bookkeeping: the last step it completed (and its report, to answer a repeated tick), how many
/// requests it has been admitted, and a tick held back because it overtook admissions still on their way.
/// </summary>
public sealed record RankEntityState(int Rank, int LastStep, long AdmittedTotal, StepCompleted? LastReport, Tick? HeldTick, IActorRef? HeldReplyTo)
{
    public static RankEntityState Initial(int rank) => new(rank, 0, 0, null, null, null);
}

/// <summary>
/// One data-parallel rank, a sharding entity (entity id = rank index, never passivated). It admits the
/// requests the balancer places on it, and on <see cref="Tick"/>(k) runs one decode step on its engine and
/// answers <see cref="StepCompleted"/> to the tick's sender (the barrier). A repeated tick for the step it
/// last completed gets the same report again; an older one is ignored.
/// </summary>
public sealed class RankEntity : UntypedActor, IWithStash
{
    private readonly IDecodeEngine _engine;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private RankEntityState _state;

    public RankEntity(int rank, IDecodeEngineFactory engines)
    {
        _state = RankEntityState.Initial(rank);
        _engine = engines.Create(rank);
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props(int rank, IDecodeEngineFactory engines) =>
        Akka.Actor.Props.Create(() => new RankEntity(rank, engines));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case AdmitRequests admit:
                foreach (var r in admit.Requests) _engine.Admit(r);
                _state = _state with { AdmittedTotal = _state.AdmittedTotal + admit.Requests.Length };
                if (_state.HeldTick is { } held && _state.AdmittedTotal >= held.AdmittedThrough)
                {
                    var replyTo = _state.HeldReplyTo!;
                    _state = _state with { HeldTick = null, HeldReplyTo = null };
                    RunStep(held, replyTo);
                }
                break;

            case Tick tick:
                OnTick(tick, Sender);
                break;

            case GetRankState:
                Sender.Tell(new RankStateResult(_state.Rank, _state.LastStep, _state.AdmittedTotal, _engine.ActiveCount, _engine.Load));
                break;

            default:
                Unhandled(message);
                break;
        }
    }

    private void OnTick(Tick tick, IActorRef replyTo)
    {
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
            pending = _engine.StepAsync(_stopping.Token);
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

        // A real engine computes for a while: wait for it off the actor's thread and keep other messages for after.
        pending.AsTask().PipeTo(Self,
            success: result => new EngineStepDone(tick, replyTo, activeBefore, loadBefore, result),
            failure: ex => new EngineStepFailed(tick, replyTo, ex));
        Become(Stepping);
    }

    private void Stepping(object message)
    {
        switch (message)
        {
            case EngineStepDone done:
                Report(done.Tick, done.ReplyTo, done.ActiveBefore, done.LoadBefore, done.Result);
                Become(OnReceive);
                Stash.UnstashAll();
                break;
            case EngineStepFailed failed:
                Fail(failed.Tick, failed.ReplyTo, failed.Error);
                Become(OnReceive);
                Stash.UnstashAll();
                break;
            default:
                Stash.Stash();
                break;
        }
    }

    private void Report(Tick tick, IActorRef replyTo, int activeBefore, long loadBefore, DecodeStepResult result)
    {
        var report = new StepCompleted(_state.Rank, tick.Step, result.ComputeSeconds, activeBefore, loadBefore, result.Finished);
        _state = _state with { LastStep = tick.Step, LastReport = report };
        replyTo.Tell(report);
    }

    private void Fail(Tick tick, IActorRef replyTo, Exception error)
    {
        _log.Error(error, "rank {0}: the {1} engine failed step {2}", _state.Rank, _engine.Kind, tick.Step);
        replyTo.Tell(new RankStepFailed(_state.Rank, tick.Step, $"{_engine.Kind} engine: {error.Message}"));
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        _engine.Dispose();
        _stopping.Dispose();
    }

    private sealed record EngineStepDone(Tick Tick, IActorRef ReplyTo, int ActiveBefore, long LoadBefore, DecodeStepResult Result)
        : INoSerializationVerificationNeeded;

    private sealed record EngineStepFailed(Tick Tick, IActorRef ReplyTo, Exception Error) : INoSerializationVerificationNeeded;
}
