using Akka.Actor;
using Scheduler.Runtime.Logic;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Actors;

/// <summary>The agent's state: its batch, the barrier that sent the last <see cref="HostTick"/> (where answers go), and when
/// that tick arrived (a <see cref="System.Diagnostics.Stopwatch"/> timestamp: the host's share of the round trip).</summary>
public sealed record RankHostAgentState(HostBatch Batch, IActorRef Barrier, long TickArrived = 0);

/// <summary>
/// One per node that hosts rank entities, at <c>/user/rank-host</c>: the barrier's correspondent on this node. It takes a
/// <see cref="HostTick"/> (a step's ticks for the ranks living here), gives each to its entity directly, itself as the
/// sender, and answers the barrier with one <see cref="HostStepCompleted"/> once all of them have answered: two remote
/// messages per host and step instead of two per rank. A rank not registered here goes through the region with the barrier
/// as the sender, and answers arriving after their batch went out are passed on alone. The logic is
/// <see cref="HostBatchLogic"/>; this actor only routes messages into it and carries out its events.
/// </summary>
public sealed class RankHostAgent : UntypedActor
{
    /// <summary>The agent's name under /user: the barrier finds it at the address its ranks answer from.</summary>
    public const string Name = "rank-host";

    private readonly IActorRef _region;
    private readonly LocalRankDirectory _directory = LocalRankDirectory.Get(Context.System);
    private readonly Func<int, bool> _isLocal;
    private RankHostAgentState _state = new(HostBatch.None, ActorRefs.Nobody);

    public RankHostAgent(IActorRef rankRegion)
    {
        _region = rankRegion;
        _isLocal = _directory.IsLocal;
    }

    /// <param name="rankRegion">Where a tick for a rank that does not live here goes (the node's shard region).</param>
    public static Props Props(IActorRef rankRegion) => Akka.Actor.Props.Create(() => new RankHostAgent(rankRegion));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case HostTick tick:
                _state = _state with { Barrier = Sender, TickArrived = System.Diagnostics.Stopwatch.GetTimestamp() };
                Apply(HostBatchLogic.Open(_state.Batch, tick, _isLocal));
                break;
            case StepCompleted or RankStepFailed:
                Apply(HostBatchLogic.Answer(_state.Batch, (IBarrierMessage)message));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Apply((HostBatch Batch, System.Collections.Immutable.ImmutableArray<HostBatchEvent> Events) transition)
    {
        _state = _state with { Batch = transition.Batch };
        foreach (var e in transition.Events)
        {
            switch (e)
            {
                case HostBatchEvent.DeliverLocally deliver:
                    // The entity may have stopped since the batch was opened: then the region finds its new home.
                    if (!_directory.TrySend(deliver.Tick.Rank, deliver.Tick, Self))
                    {
                        _region.Tell(deliver.Tick, _state.Barrier);
                        Apply(HostBatchLogic.Withdraw(_state.Batch, deliver.Tick.Rank));
                    }
                    break;
                case HostBatchEvent.ThroughRegion region:
                    _region.Tell(region.Tick, _state.Barrier);
                    break;
                case HostBatchEvent.SendBatch send:
                    var held = System.Diagnostics.Stopwatch.GetElapsedTime(_state.TickArrived).TotalSeconds;
                    _state.Barrier.Tell(send.Batch with { HostSeconds = held }, Self);
                    break;
                case HostBatchEvent.Forward forward:
                    _state.Barrier.Tell(forward.Answer, Self);
                    break;
            }
        }
    }
}
