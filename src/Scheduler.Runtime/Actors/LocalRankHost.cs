using Akka.Actor;
using Scheduler.Runtime.Engines;

namespace Scheduler.Runtime.Actors;

/// <summary>
/// Hosts rank entities as local children, routed by the same <see cref="RankMessageExtractor"/> the shard
/// region uses: for tests and benchmarks that need ranks without a cluster. The sender is kept, as the
/// region keeps it.
/// </summary>
public sealed class LocalRankHost(IDecodeEngineFactory engines, bool registerLocally = true) : UntypedActor
{
    private readonly RankMessageExtractor _extractor = new(0);

    /// <param name="registerLocally">Off: the children do not join the node's <see cref="LocalRankDirectory"/>, so
    /// every message reaches them through this parent (tests that sit between the barrier and the ranks).</param>
    public static Props Props(IDecodeEngineFactory engines, bool registerLocally = true) =>
        Akka.Actor.Props.Create(() => new LocalRankHost(engines, registerLocally));

    protected override void OnReceive(object message)
    {
        if (_extractor.EntityId(message) is not { } entityId)
        {
            Unhandled(message);
            return;
        }
        var child = Context.Child(entityId);
        if (child.IsNobody())
            child = Context.ActorOf(RankEntity.Props(RankMessageExtractor.RankOf(entityId), engines, registerLocally), entityId);
        child.Forward(_extractor.EntityMessage(message));
    }
}
