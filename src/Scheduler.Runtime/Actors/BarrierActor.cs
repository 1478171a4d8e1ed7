using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Logic;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Actors;

/// <summary>The barrier actor's state: the barrier's bookkeeping and whom to tell when a step closes.</summary>
public sealed record BarrierActorState(BarrierState Barrier, IActorRef Coordinator);

/// <summary>
/// The step barrier: on <see cref="BeginStep"/> from its coordinator (the balancer) it ticks every rank
/// through the rank region, collects one <see cref="StepCompleted"/> per rank and answers
/// <see cref="StepBarrierPassed"/>; ranks that miss the timeout are reported and re-ticked. The logic is
/// <see cref="BarrierLogic"/>; this actor only routes messages into it and carries out its events.
/// </summary>
public sealed class BarrierActor : UntypedActor, IWithTimers
{
    private readonly IActorRef _ranks;
    private readonly BarrierSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LocalRankDirectory _directory = LocalRankDirectory.Get(Context.System);
    private readonly ImmutableArray<RankRequest>[] _admissionsByRank;
    private BarrierActorState _state;

    public BarrierActor(int ranks, IActorRef rankRegion, BarrierSettings settings, long epoch = 0)
    {
        _state = new BarrierActorState(BarrierState.Initial(ranks, epoch), ActorRefs.Nobody);
        _admissionsByRank = new ImmutableArray<RankRequest>[ranks];
        _ranks = rankRegion;
        _settings = settings;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="epoch">The balancer's epoch, sent with every tick (0: none, a replay or a test).</param>
    public static Props Props(int ranks, IActorRef rankRegion, BarrierSettings settings, long epoch = 0) =>
        Akka.Actor.Props.Create(() => new BarrierActor(ranks, rankRegion, settings, epoch));

    /// <summary>In a cluster, hear of members removed: their ranks move to survivors and are ticked again at once.</summary>
    protected override void PreStart()
    {
        if (Context.System.Settings.Config.GetString("akka.actor.provider") is { } provider && provider.Contains("cluster", StringComparison.OrdinalIgnoreCase))
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(Akka.Cluster.ClusterEvent.MemberRemoved));
    }

    protected override void PostStop()
    {
        if (Context.System.Settings.Config.GetString("akka.actor.provider") is { } provider && provider.Contains("cluster", StringComparison.OrdinalIgnoreCase))
            Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StepCompleted completion:
                Apply(BarrierLogic.Complete(_state.Barrier, completion));
                break;

            case BeginStep begin:
                var opened = BarrierLogic.Begin(_state.Barrier, begin, armTimeout: _settings.StepTimeout > TimeSpan.Zero);
                // Only the sender of an accepted step hears how it ends; a refused one is answered and forgotten.
                if (!ReferenceEquals(opened.State, _state.Barrier)) _state = _state with { Coordinator = Sender };
                Apply(opened);
                break;

            case StepTimeout timeout:
                Apply(BarrierLogic.TimeoutElapsed(_state.Barrier, timeout.Step, timeout.Attempt, _settings.MaxTimeoutsPerStep, _settings.RetickMissingRanks));
                break;

            case RankStepFailed failed:
                _state.Coordinator.Tell(new RankFailed(failed.Step, failed.Rank, failed.Reason));
                break;

            case Akka.Cluster.ClusterEvent.MemberRemoved removed:
                if (_state.Barrier.Open)
                    _log.Warning("step {0}: {1} left the cluster; ticking rank(s) {2} again on their new hosts", _state.Barrier.Step, removed.Member.Address,
                        string.Join(",", _state.Barrier.MissingRanks()));
                Apply(BarrierLogic.MemberLost(_state.Barrier));
                // The rank region may not yet have let go of the lost host's shards when the removal reaches us (it hears
                // of it by its own death watch): tick once more shortly after, when their new homes are being allocated.
                Timers.StartSingleTimer(MemberLostTimerKey, new RetickAfterMemberLost(), TimeSpan.FromSeconds(1));
                break;

            case RetickAfterMemberLost:
                Apply(BarrierLogic.MemberLost(_state.Barrier));
                break;

            case GetBarrierStatistics:
                Sender.Tell(_state.Barrier.Statistics);
                break;

            default:
                Unhandled(message);
                break;
        }
    }

    private void Apply((BarrierState State, System.Collections.Immutable.ImmutableArray<BarrierEvent> Events) transition)
    {
        _state = _state with { Barrier = transition.State };
        foreach (var e in transition.Events)
        {
            switch (e)
            {
                case BarrierEvent.TickRanks tick:
                    Tick(tick);
                    break;
                case BarrierEvent.ArmTimeout arm:
                    Timers.StartSingleTimer(TimerKey, new StepTimeout(arm.Step, arm.Attempt), _settings.StepTimeout);
                    break;
                case BarrierEvent.Notify { Message: StepBarrierPassed passed }:
                    Timers.Cancel(TimerKey);
                    _state.Coordinator.Tell(passed);
                    break;
                case BarrierEvent.Notify { Message: RanksMissing missing }:
                    _log.Warning("step {0}: rank(s) {1} did not complete within {2} (timeout {3}{4})",
                        missing.Step, string.Join(",", missing.Ranks), _settings.StepTimeout, missing.Attempt, missing.GaveUp ? ", giving up" : "");
                    _state.Coordinator.Tell(missing);
                    break;
                case BarrierEvent.Notify notify:
                    (Sender.IsNobody() ? _state.Coordinator : Sender).Tell(notify.Message);
                    break;
                case BarrierEvent.CompletionIgnored ignored:
                    _log.Debug("ignored {0} completion of rank {1} for step {2} (open step {3})",
                        ignored.Duplicate ? "duplicate" : "stale", ignored.Completion.Rank, ignored.Completion.Step, _state.Barrier.Step);
                    break;
            }
        }
    }

    /// <summary>Each rank's tick carries its admissions of the step: one message per rank, ordered with them by construction.</summary>
    private void Tick(BarrierEvent.TickRanks tick)
    {
        var admissions = _admissionsByRank.AsSpan(0, _state.Barrier.Ranks);
        admissions.Clear();
        foreach (var admit in tick.Admissions)
            if ((uint)admit.Rank < (uint)admissions.Length) admissions[admit.Rank] = admit.Requests;
        foreach (var g in tick.Ranks)
            _directory.Send(g, new Tick(g, tick.Step, tick.AdmittedThrough[g], admissions[g])
            {
                Epoch = _state.Barrier.Epoch,
                Incarnation = _state.Barrier.Incarnations[g],
            }, _ranks, Self);
    }

    private const string TimerKey = "step-timeout";
    private const string MemberLostTimerKey = "member-lost";

    private sealed record RetickAfterMemberLost : INoSerializationVerificationNeeded;

    private sealed record StepTimeout(int Step, int Attempt) : INoSerializationVerificationNeeded;
}
