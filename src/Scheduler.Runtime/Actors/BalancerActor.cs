using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Logic;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Results;

namespace Scheduler.Runtime.Actors;

public enum BalancerPhase
{
    /// <summary>Deciding, or waiting for input to decide.</summary>
    Placing,

    /// <summary>A step is at the barrier.</summary>
    AwaitingBarrier,

    /// <summary>The run ended (completed or failed); nothing more is done.</summary>
    Done,
}

/// <summary>The balancer's state besides the cluster it places onto: its phase, the ingestion stream waiting
/// for an ack (null when acknowledged), and how many rank timeouts the barrier reported.</summary>
public sealed record BalancerState(BalancerPhase Phase, IActorRef? AwaitingAck, int RankTimeouts)
{
    public static readonly BalancerState Initial = new(BalancerPhase.Placing, null, 0);
}

/// <summary>
/// Owns the waiting pool and the placement policy: requests stream in (acknowledged only while fewer than
/// the configured number wait unrevealed), and at each step boundary it reveals and places exactly as the
/// simulator does (<see cref="PlacementLoop"/>), sends each rank its admissions, and has the barrier run
/// the step. The barrier's result is applied to the same <see cref="Core.Model.ClusterState"/>, completed
/// requests go to the result stream, and the run's end or failure goes to the monitor.
/// </summary>
public sealed class BalancerActor : UntypedActor
{
    private readonly PlacementLoop _loop;
    private readonly IActorRef _barrier;
    private readonly IActorRef _ranks;
    private readonly IActorRef _monitor;
    private readonly IActorRef _results;
    private readonly BalancerSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private BalancerState _state = BalancerState.Initial;

    public BalancerActor(PlacementLoop loop, IActorRef barrier, IActorRef rankRegion, IActorRef monitor, IActorRef? results, BalancerSettings settings)
    {
        _loop = loop;
        _barrier = barrier;
        _ranks = rankRegion;
        _monitor = monitor;
        _results = results ?? ActorRefs.Nobody;
        _settings = settings;
    }

    public static Props Props(PlacementLoop loop, IActorRef barrier, IActorRef rankRegion, IActorRef monitor, IActorRef? results, BalancerSettings settings) =>
        Akka.Actor.Props.Create(() => new BalancerActor(loop, barrier, rankRegion, monitor, results, settings));

    /// <summary>The loop may hold this many unrevealed requests (never fewer than one reveal window, or a
    /// backlogged run could not fill its window and would wait forever).</summary>
    private int MaxUnrevealed => Math.Max(_settings.MaxUnrevealed, _loop.State.Shape.RevealWindow);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case IngestionStarted:
                Sender.Tell(IngestionAck.Instance);
                break;

            case IngestedBatch batch:
                if (_state.Phase == BalancerPhase.Done) return;
                try
                {
                    foreach (var r in batch.Requests) _loop.Add(r);
                }
                catch (Exception ex)
                {
                    Fail($"request rejected by the cluster state: {ex.Message}");
                    return;
                }
                if (_loop.Unrevealed < MaxUnrevealed) Sender.Tell(IngestionAck.Instance);
                else _state = _state with { AwaitingAck = Sender };
                Drive();
                break;

            case IngestionCompleted:
                if (_state.Phase == BalancerPhase.Done) return;
                _loop.CompleteInput();
                Drive();
                break;

            case IngestionFailed failed:
                Fail($"the input stream failed: {failed.Reason}");
                break;

            case StepBarrierPassed passed:
                OnStepPassed(passed);
                break;

            case RanksMissing missing:
                _state = _state with { RankTimeouts = _state.RankTimeouts + 1 };
                if (missing.GaveUp)
                    Fail($"rank(s) {string.Join(",", missing.Ranks)} did not complete step {missing.Step} after {missing.Attempt} timeout(s) of {_settings.StepTimeout}");
                break;

            case RankFailed failed:
                Fail($"rank {failed.Rank} failed step {failed.Step}: {failed.Reason}");
                break;

            case BeginStepRejected rejected:
                Fail($"the barrier rejected step {rejected.Step}: {rejected.Reason}");
                break;

            case CancelRun cancel:
                Fail(cancel.Reason);
                break;

            default:
                Unhandled(message);
                break;
        }
    }

    private void OnStepPassed(StepBarrierPassed passed)
    {
        if (_state.Phase != BalancerPhase.AwaitingBarrier) return;
        ImmutableArray<CompletedRequest> finished;
        try
        {
            finished = _loop.ApplyStep(passed);
        }
        catch (Exception ex)
        {
            Fail(ex.Message);
            return;
        }
        if (finished.Length > 0) _results.Tell(new RequestsCompleted(finished));
        if (_settings.ProgressEverySteps > 0 && _loop.State.Step % _settings.ProgressEverySteps == 0) _monitor.Tell(Progress());
        _state = _state with { Phase = BalancerPhase.Placing };
        Drive();
    }

    /// <summary>Advance the loop as far as it goes: to a step at the barrier, a wait for input, or the end.</summary>
    private void Drive()
    {
        if (_state.Phase == BalancerPhase.Placing)
        {
            LoopAction action;
            try
            {
                action = _loop.Advance();
            }
            catch (Exception ex)
            {
                Fail(ex.Message);
                return;
            }
            switch (action)
            {
                case LoopAction.RunStep step:
                    foreach (var admit in step.Admissions) _ranks.Tell(admit, Self);
                    _barrier.Tell(new BeginStep(step.Step, step.AdmittedThrough), Self);
                    _state = _state with { Phase = BalancerPhase.AwaitingBarrier };
                    break;
                case LoopAction.Finished:
                    Finish();
                    return;
            }
        }
        if (_state.AwaitingAck is { } stream && _loop.Unrevealed < MaxUnrevealed)
        {
            stream.Tell(IngestionAck.Instance);
            _state = _state with { AwaitingAck = null };
        }
    }

    private RuntimeProgress Progress()
    {
        var s = _loop.State;
        return new RuntimeProgress(s.Step, s.RequestCount, s.Admissions.Count, s.FinishedCount, s.QueueCount, s.Clock);
    }

    private void Finish()
    {
        Core.Simulation.RunSummary summary;
        try
        {
            summary = _loop.Summarize();
        }
        catch (Exception ex)
        {
            Fail($"the summary could not be computed: {ex.Message}");
            return;
        }
        _state = _state with { Phase = BalancerPhase.Done };
        _results.Tell(new Status.Success(Akka.NotUsed.Instance));
        _monitor.Tell(Progress());
        _monitor.Tell(new RunCompleted(summary, _loop.Steps, _loop.State.Admissions, _loop.CompletedRequests, _state.RankTimeouts));
    }

    /// <summary>A restart would start over on a half-advanced loop: report the run failed instead of hanging it.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        if (_state.Phase != BalancerPhase.Done)
            _monitor.Tell(new RunFailed($"the balancer crashed handling {message?.GetType().Name}: {reason.Message}", _loop.State.Step));
        base.PreRestart(reason, message);
    }

    protected override void PostRestart(Exception reason)
    {
        base.PostRestart(reason);
        _state = _state with { Phase = BalancerPhase.Done };
    }

    private void Fail(string reason)
    {
        if (_state.Phase == BalancerPhase.Done) return;
        _log.Error("run failed at step {0}: {1}", _loop.State.Step, reason);
        _state = _state with { Phase = BalancerPhase.Done };
        _results.Tell(new Status.Failure(new InvalidOperationException(reason)));
        _monitor.Tell(new RunFailed(reason, _loop.State.Step));
    }
}
