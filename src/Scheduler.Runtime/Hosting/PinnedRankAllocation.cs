using System.Collections.Immutable;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Scheduler.Runtime.Logic;

namespace Scheduler.Runtime.Hosting;

/// <summary>
/// The rank entities' shard allocation: each rank on a host that declared room for it (<see cref="RankHostAssignment"/>,
/// capacities read from the members' <c>local-ranks=N</c> roles), and no rebalancing of live ranks, ever: sharding drops
/// messages during a shard hand-off (akka.net #8501, #8572), and a rank's KV cache cannot move anyway. A rank moves only
/// when its host is gone, and then it comes back empty on a survivor.
/// </summary>
public sealed class PinnedRankAllocation(ActorSystem system) : IShardAllocationStrategy
{
    public Task<IActorRef> AllocateShard(IActorRef requester, string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        var cluster = Cluster.Get(system);
        // The hosts are the Up members that declared ranks and the regions registered with the coordinator: a host can
        // be Up before its region has registered, and its block of ranks must wait for it rather than go elsewhere.
        var declared = cluster.State.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(NodeRoles.RankHost))
            .ToDictionary(m => m.Address, m => NodeRoles.LocalRanksOf(m.Roles));
        var registered = currentShardAllocations.ToDictionary(kv => AddressOf(kv.Key, cluster), kv => (Region: kv.Key, Held: kv.Value.Count));
        var hosts = declared.Keys.Union(registered.Keys)
            .OrderBy(a => a.Host, StringComparer.Ordinal).ThenBy(a => a.Port ?? 0)
            .ToArray();
        if (hosts.Length == 0) return Task.FromResult(requester);
        var loads = hosts.Select(a => new RankHostLoad(declared.GetValueOrDefault(a), registered.TryGetValue(a, out var r) ? r.Held : 0)).ToArray();
        var rank = int.TryParse(shardId, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var chosen = hosts[RankHostAssignment.Choose(rank, loads)];
        // A region that has not registered yet: the coordinator ignores an allocation to it and the requesting region
        // asks again after its retry interval, by when it has.
        return Task.FromResult(registered.TryGetValue(chosen, out var home) ? home.Region : ActorRefs.Nobody);
    }

    public Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations, IImmutableSet<string> rebalanceInProgress) =>
        Task.FromResult<IImmutableSet<string>>(ImmutableHashSet<string>.Empty);

    /// <summary>The local region's path has no host: it is this node.</summary>
    private static Address AddressOf(IActorRef region, Cluster cluster) =>
        region.Path.Address.HasGlobalScope ? region.Path.Address : cluster.SelfAddress;
}
