using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Logic;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Observability;

namespace Scheduler.Runtime.Actors;

/// <summary>The barrier actor's state: the barrier's bookkeeping, whom to tell when a step closes, where each rank was last
/// heard from, and the rank host agent of each remote host (null: being identified, or the host has none).</summary>
public sealed record BarrierActorState(BarrierState Barrier, IActorRef Coordinator, RankHosts Hosts, ImmutableDictionary<Address, IActorRef?> Agents);

/// <summary>
/// The step barrier: on <see cref="BeginStep"/> from its coordinator (the balancer) it ticks every rank
/// through the rank region, collects one <see cref="StepCompleted"/> per rank and answers
/// <see cref="StepBarrierPassed"/>; ranks that miss the timeout are reported and re-ticked. The logic is
/// <see cref="BarrierLogic"/>; this actor only routes messages into it and carries out its events.
/// A rank living on this node is ticked directly; once a remote rank has answered, the barrier knows its host
/// (<see cref="RankHosts"/>) and ticks all of that host's ranks in one <see cref="HostTick"/> to the host's
/// <see cref="RankHostAgent"/>, which answers with one <see cref="HostStepCompleted"/>. Ranks whose host is not known
/// (the first step, after a member's removal or a timeout) go one by one through the region. Each host's round trip, and
/// the host's own share of it, go to the observer (the service's metrics and summary).
/// </summary>
public sealed class BarrierActor : UntypedActor, IWithTimers
{
    private readonly IActorRef _ranks;
    private readonly BarrierSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LocalRankDirectory _directory = LocalRankDirectory.Get(Context.System);
    private readonly AdmitRequests?[] _admissionsByRank;
    private readonly Tick[] _ticks;
    private readonly int[] _remote;
    private readonly Func<Address, bool> _hasAgent;
    private readonly IServiceObserver _observer;
    // Per remote host: the step of the last HostTick it was sent and when (a Stopwatch timestamp; step −1 once its answer
    // was timed), and its HOST:PORT label, made once per host rather than once per step.
    private readonly Dictionary<Address, (int Step, long Sent, string Label)> _hostTickSent = new();
    private BarrierActorState _state;

    public BarrierActor(int ranks, IActorRef rankRegion, BarrierSettings settings, long epoch = 0, IServiceObserver? observer = null)
    {
        _state = new BarrierActorState(BarrierState.Initial(ranks, epoch), ActorRefs.Nobody, RankHosts.Unknown(ranks),
            ImmutableDictionary<Address, IActorRef?>.Empty);
        _admissionsByRank = new AdmitRequests?[ranks];
        _ticks = new Tick[ranks];
        _remote = new int[ranks];
        _hasAgent = host => _state.Agents.TryGetValue(host, out var agent) && agent is not null;
        _ranks = rankRegion;
        _settings = settings;
        _observer = observer ?? NullServiceObserver.Instance;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="epoch">The balancer's epoch, sent with every tick (0: none, a replay or a test).</param>
    /// <param name="observer">Told each host's round trip (<see cref="IServiceObserver.HostAnswered"/>).</param>
    public static Props Props(int ranks, IActorRef rankRegion, BarrierSettings settings, long epoch = 0, IServiceObserver? observer = null) =>
        Akka.Actor.Props.Create(() => new BarrierActor(ranks, rankRegion, settings, epoch, observer));

    /// <summary>In a cluster, hear of members removed: their ranks move to survivors and are ticked again at once.</summary>
    private bool InCluster => ((ExtendedActorSystem)Context.System).Provider is Akka.Cluster.IClusterActorRefProvider;

    protected override void PreStart()
    {
        if (InCluster)
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(Akka.Cluster.ClusterEvent.MemberRemoved));
    }

    protected override void PostStop()
    {
        if (InCluster)
            Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StepCompleted completion:
                Heard(completion, Sender.Path.Address);
                Apply(BarrierLogic.Complete(_state.Barrier, completion));
                break;

            case HostStepCompleted batch:
                TimeRoundTrip(batch, Sender.Path.Address);
                HeardFromAgent(Sender);
                foreach (var report in batch.Reports) Heard(report, Sender.Path.Address);
                foreach (var failed in batch.Failures) _state.Coordinator.Tell(new RankFailed(failed.Step, failed.Rank, failed.Reason));
                Apply(BarrierLogic.CompleteAll(_state.Barrier, batch.Reports));
                break;

            case ActorIdentity { MessageId: string host } identity:
                Identified(Address.Parse(host), identity.Subject);
                break;

            case Terminated terminated:
                // A host's agent stopped (its node is leaving or gone): its ranks go through the region until they answer again.
                LostHost(terminated.ActorRef.Path.Address);
                break;

            case BeginStep begin:
                var opened = BarrierLogic.Begin(_state.Barrier, begin, armTimeout: _settings.StepTimeout > TimeSpan.Zero);
                // Only the sender of an accepted step hears how it ends; a refused one is answered and forgotten.
                if (!ReferenceEquals(opened.State, _state.Barrier)) _state = _state with { Coordinator = Sender };
                Apply(opened);
                break;

            case StepTimeout timeout:
                // The missing ranks may have moved, or their host's batch may be stuck behind one of them: re-tick them one by one.
                if (_state.Barrier.Open && timeout.Step == _state.Barrier.Step && timeout.Attempt == _state.Barrier.Attempt)
                    ForgetMissingRanks();
                Apply(BarrierLogic.TimeoutElapsed(_state.Barrier, timeout.Step, timeout.Attempt, _settings.MaxTimeoutsPerStep, _settings.RetickMissingRanks));
                break;

            case RankStepFailed failed:
                _state.Coordinator.Tell(new RankFailed(failed.Step, failed.Rank, failed.Reason));
                break;

            case Akka.Cluster.ClusterEvent.MemberRemoved removed:
                if (_state.Barrier.Open)
                    _log.Warning("step {0}: {1} left the cluster; ticking rank(s) {2} again on their new hosts", _state.Barrier.Step, removed.Member.Address,
                        string.Join(",", _state.Barrier.MissingRanks()));
                LostHost(removed.Member.Address);
                ForgetMissingRanks();
                Apply(BarrierLogic.MemberLost(_state.Barrier));
                // The rank region may not yet have let go of the lost host's shards when the removal reaches us (it hears
                // of it by its own death watch): tick once more shortly after, when their new homes are being allocated.
                Timers.StartSingleTimer(MemberLostTimerKey, new RetickAfterMemberLost(), TimeSpan.FromSeconds(1));
                break;

            case RetickAfterMemberLost:
                ForgetMissingRanks();
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

    /// <summary>Each rank's tick carries its admissions of the step: one message per rank, ordered with them by construction.
    /// Ranks on this node get theirs at once; the others' go one message per known host, or one by one through the region.</summary>
    private void Tick(BarrierEvent.TickRanks tick)
    {
        var admissions = _admissionsByRank.AsSpan(0, _state.Barrier.Ranks);
        admissions.Clear();
        foreach (var admit in tick.Admissions)
            if ((uint)admit.Rank < (uint)admissions.Length) admissions[admit.Rank] = admit;
        var remote = 0;
        foreach (var g in tick.Ranks)
        {
            var admit = admissions[g];
            var message = new Tick(g, tick.Step, tick.AdmittedThrough[g], admit?.Requests ?? default)
            {
                Epoch = _state.Barrier.Epoch,
                Incarnation = _state.Barrier.Incarnations[g],
                Enqueue = admit?.Enqueue ?? ImmutableArray<RankRequest>.Empty,
                FromQueue = admit?.FromQueue ?? 0,
            };
            if (_directory.TrySend(g, message, Self)) continue;
            _ticks[g] = message;
            _remote[remote++] = g;
        }
        if (remote == 0) return;

        var routes = _state.Hosts.Route(_remote.AsSpan(0, remote), _hasAgent);
        foreach (var g in routes.ThroughRegion) _ranks.Tell(_ticks[g], Self);
        foreach (var host in routes.ByHost)
        {
            var ticks = ImmutableArray.CreateBuilder<Tick>(host.Ranks.Length);
            foreach (var g in host.Ranks) ticks.Add(_ticks[g]);
            var label = _hostTickSent.TryGetValue(host.Host, out var last) ? last.Label : $"{host.Host.Host}:{host.Host.Port}";
            _hostTickSent[host.Host] = (tick.Step, System.Diagnostics.Stopwatch.GetTimestamp(), label);
            _state.Agents[host.Host]!.Tell(new HostTick(tick.Step, _state.Barrier.Epoch, ticks.MoveToImmutable()), Self);
        }
        Array.Clear(_ticks);
    }

    /// <summary>
    /// A host's answer to the HostTick it was last sent: the round trip from sending to now, and the host's own share of it
    /// (<see cref="HostStepCompleted.HostSeconds"/>), go to the observer. A re-ticked step times from its last tick; an
    /// answer to an older tick is not timed.
    /// </summary>
    private void TimeRoundTrip(HostStepCompleted batch, Address host)
    {
        if (!_hostTickSent.TryGetValue(host, out var sent) || sent.Step != batch.Step) return;
        _hostTickSent[host] = sent with { Step = -1 };
        var roundTrip = System.Diagnostics.Stopwatch.GetElapsedTime(sent.Sent).TotalSeconds;
        _observer.HostAnswered(sent.Label, roundTrip, batch.HostSeconds);
    }

    /// <summary>A report of the open step tells where its rank lives now (a stale one may come from where it used to).</summary>
    private void Heard(StepCompleted report, Address from)
    {
        if (report.Step != _state.Barrier.Step || report.Epoch != _state.Barrier.Epoch) return;
        var host = from.HasGlobalScope ? from : null;
        var hosts = _state.Hosts.Heard(report.Rank, host);
        if (ReferenceEquals(hosts, _state.Hosts)) return;
        _state = _state with { Hosts = hosts };
        if (host is null || _state.Agents.ContainsKey(host)) return;
        // A host not seen before: find its agent once (until then, and if it has none, its ranks go through the region).
        _state = _state with { Agents = _state.Agents.SetItem(host, null) };
        Context.ActorSelection(new RootActorPath(host) / "user" / RankHostAgent.Name).Tell(new Identify(host.ToString()), Self);
    }

    /// <summary>A batch came from a host's agent: that is its agent, whether or not it was identified yet.</summary>
    private void HeardFromAgent(IActorRef agent)
    {
        var host = agent.Path.Address;
        if (!host.HasGlobalScope || _state.Agents.TryGetValue(host, out var known) && agent.Equals(known)) return;
        Adopt(host, agent, known);
    }

    private void Identified(Address host, IActorRef? agent)
    {
        // A host lost since it was asked about, or whose agent a batch has introduced already: nothing to learn.
        if (!_state.Agents.TryGetValue(host, out var known) || known is not null) return;
        if (agent is null)
            _log.Warning("rank host {0} has no agent at /user/{1}: its ranks are ticked one by one", host, RankHostAgent.Name);
        else
            Adopt(host, agent, null);
    }

    /// <summary>Watched, so that an agent that stops (its node leaving) is forgotten with its ranks.</summary>
    private void Adopt(Address host, IActorRef agent, IActorRef? replaced)
    {
        if (replaced is not null) Context.Unwatch(replaced);
        Context.Watch(agent);
        _state = _state with { Agents = _state.Agents.SetItem(host, agent) };
    }

    private void LostHost(Address host)
    {
        if (_state.Agents.TryGetValue(host, out var agent) && agent is not null) Context.Unwatch(agent);
        _state = _state with { Hosts = _state.Hosts.ForgetHost(host), Agents = _state.Agents.Remove(host) };
    }

    private void ForgetMissingRanks()
    {
        if (_state.Barrier.Open) _state = _state with { Hosts = _state.Hosts.Forget(_state.Barrier.MissingRanks()) };
    }

    private const string TimerKey = "step-timeout";
    private const string MemberLostTimerKey = "member-lost";

    private sealed record RetickAfterMemberLost : INoSerializationVerificationNeeded;

    private sealed record StepTimeout(int Step, int Attempt) : INoSerializationVerificationNeeded;
}
