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
        var declared = new Dictionary<Address, int>();
        foreach (var member in cluster.State.Members)
            declared[member.Address] = NodeRoles.LocalRanksOf(member.Roles);
        var regions = currentShardAllocations
            .Select(kv => (Region: kv.Key, Address: AddressOf(kv.Key, cluster), Held: kv.Value.Count))
            .OrderBy(r => r.Address.Host, StringComparer.Ordinal).ThenBy(r => r.Address.Port ?? 0)
            .ToArray();
        if (regions.Length == 0) return Task.FromResult(requester);
        var loads = regions.Select(r => new RankHostLoad(declared.GetValueOrDefault(r.Address), r.Held)).ToArray();
        var rank = int.TryParse(shardId, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var chosen = RankHostAssignment.Choose(rank, loads);
        return Task.FromResult(regions[chosen].Region);
    }

    public Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations, IImmutableSet<string> rebalanceInProgress) =>
        Task.FromResult<IImmutableSet<string>>(ImmutableHashSet<string>.Empty);

    /// <summary>The local region's path has no host: it is this node.</summary>
    private static Address AddressOf(IActorRef region, Cluster cluster) =>
        region.Path.Address.HasGlobalScope ? region.Path.Address : cluster.SelfAddress;
}
