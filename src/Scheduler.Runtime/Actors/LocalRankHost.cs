using Akka.Actor;
using Scheduler.Runtime.Engines;

namespace Scheduler.Runtime.Actors;

/// <summary>
/// Hosts rank entities as local children, routed by the same <see cref="RankMessageExtractor"/> the shard
/// region uses: for tests and benchmarks that need ranks without a cluster. The sender is kept, as the
/// region keeps it.
/// </summary>
public sealed class LocalRankHost(IDecodeEngineFactory engines) : UntypedActor
{
    private readonly RankMessageExtractor _extractor = new(0);

    public static Props Props(IDecodeEngineFactory engines) => Akka.Actor.Props.Create(() => new LocalRankHost(engines));

    protected override void OnReceive(object message)
    {
        if (_extractor.EntityId(message) is not { } entityId)
        {
            Unhandled(message);
            return;
        }
        var child = Context.Child(entityId);
        if (child.IsNobody())
            child = Context.ActorOf(RankEntity.Props(RankMessageExtractor.RankOf(entityId), engines), entityId);
        child.Forward(_extractor.EntityMessage(message));
    }
}
