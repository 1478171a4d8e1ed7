using System.Collections.Concurrent;
using Akka.Actor;

namespace Scheduler.Runtime.Actors;

/// <summary>
/// The rank entities living on this node, by rank: each registers itself when it starts and leaves when it stops.
/// The barrier and the balancer send a step's ticks and admissions straight to a registered entity instead of
/// through the shard region and its shard (two hops per message, 64 per step at G=32); a rank not registered here
/// (on another node, or restarting) is still reached through the region. Sharding still decides where ranks live.
/// </summary>
public sealed class LocalRankDirectory : IExtension
{
    private readonly ConcurrentDictionary<int, IActorRef> _ranks = new();

    public static LocalRankDirectory Get(ActorSystem system) => system.WithExtension<LocalRankDirectory, LocalRankDirectoryProvider>();

    public void Register(int rank, IActorRef entity) => _ranks[rank] = entity;

    /// <summary>Removes the entry only if it is still this entity's (a restarted incarnation may have registered since).</summary>
    public void Unregister(int rank, IActorRef entity) => _ranks.TryRemove(new KeyValuePair<int, IActorRef>(rank, entity));

    /// <summary>Whether the rank's entity lives on this node.</summary>
    public bool IsLocal(int rank) => _ranks.ContainsKey(rank);

    /// <summary>Send to the rank's entity directly when it lives here, else through <paramref name="region"/>.</summary>
    public void Send(int rank, object message, IActorRef region, IActorRef sender)
    {
        if (!TrySend(rank, message, sender)) region.Tell(message, sender);
    }

    /// <summary>Send to the rank's entity if it lives here; false (nothing sent) if it does not.</summary>
    public bool TrySend(int rank, object message, IActorRef sender)
    {
        if (!_ranks.TryGetValue(rank, out var entity)) return false;
        entity.Tell(message, sender);
        return true;
    }
}

/// <summary>Creates the <see cref="LocalRankDirectory"/> of an actor system.</summary>
public sealed class LocalRankDirectoryProvider : ExtensionIdProvider<LocalRankDirectory>
{
    public override LocalRankDirectory CreateExtension(ExtendedActorSystem system) => new();
}
