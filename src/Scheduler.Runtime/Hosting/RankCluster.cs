using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Hosting;

/// <summary>Forms the cluster and starts the rank entities' shard region.</summary>
public static class RankCluster
{
    /// <summary>Join the node to itself (the embedded single-node cluster) and wait until it is Up.</summary>
    public static async Task JoinSelfAsync(ActorSystem system, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var cluster = Cluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        cluster.Join(cluster.SelfAddress);
        try
        {
            await up.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the node at {cluster.SelfAddress} did not become an Up cluster member within {timeout}");
        }
    }

    /// <summary>Wait until this node is an Up member (it joins the seed nodes of akka.cluster.seed-nodes by itself).</summary>
    public static async Task AwaitUpAsync(ActorSystem system, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var cluster = Cluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        try
        {
            await up.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var seeds = system.Settings.Config.GetStringList("akka.cluster.seed-nodes");
            throw new TimeoutException($"the node at {cluster.SelfAddress} did not join the cluster of {string.Join(", ", seeds)} within {timeout}");
        }
    }

    /// <summary>
    /// Start the rank entities' shard region (entity id = rank index, no passivation, ranks pinned to their hosts by
    /// <see cref="PinnedRankAllocation"/>). A node with the rank-host role hosts entities; a node with other scheduler
    /// roles only a proxy to them; a node with no roles at all (replays, tests) is a cluster of one that hosts them.
    /// </summary>
    public static Task<IActorRef> StartRankRegionAsync(ActorSystem system, RuntimeSettings settings, IDecodeEngineFactory engines)
    {
        var roles = Cluster.Get(system).SelfRoles;
        var sharding = ClusterSharding.Get(system);
        var extractor = new RankMessageExtractor(settings.NumberOfShards);
        if (!HostsRanks(system))
            return sharding.StartProxyAsync(settings.RankTypeName, NodeRoles.RankHost, extractor);
        var shardingSettings = ClusterShardingSettings.Create(system);
        if (roles.Contains(NodeRoles.RankHost)) shardingSettings = shardingSettings.WithRole(NodeRoles.RankHost);
        return sharding.StartAsync(
            settings.RankTypeName,
            entityId => RankEntity.Props(RankMessageExtractor.RankOf(entityId), engines).WithDispatcher(settings.RankDispatcher),
            shardingSettings,
            extractor,
            new PinnedRankAllocation(system),
            PoisonPill.Instance);
    }

    /// <summary>Whether this node hosts rank entities: it has the rank-host role, or no scheduler role at all (a cluster of one).</summary>
    public static bool HostsRanks(ActorSystem system)
    {
        var roles = Cluster.Get(system).SelfRoles;
        return roles.Contains(NodeRoles.RankHost) || !roles.Overlaps(NodeRoles.All);
    }

    /// <summary>
    /// Start the node's <see cref="RankHostAgent"/> at /user/rank-host beside its rank region, on the ranks' dispatcher (its
    /// batch is a loop of calls into them); null on a node that hosts no ranks. On a cluster of one it sits idle: the
    /// barrier ticks ranks of its own node directly.
    /// </summary>
    public static IActorRef? StartRankHostAgent(ActorSystem system, RuntimeSettings settings, IActorRef rankRegion) =>
        HostsRanks(system)
            ? system.ActorOf(RankHostAgent.Props(rankRegion).WithDispatcher(settings.RankDispatcher), RankHostAgent.Name)
            : null;

    /// <summary>The ranks the Up rank hosts of the cluster declare between them.</summary>
    public static int DeclaredRanks(ActorSystem system) =>
        Cluster.Get(system).State.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(NodeRoles.RankHost))
            .Sum(m => NodeRoles.LocalRanksOf(m.Roles));

    /// <summary>Wait until the rank hosts that joined declare at least <paramref name="ranks"/> ranks between them, so
    /// that no rank is placed on a host that has no room for it while the others are still starting.</summary>
    public static async Task AwaitRankHostsAsync(ActorSystem system, int ranks, TimeSpan timeout, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = -1;
        while (true)
        {
            var declared = DeclaredRanks(system);
            if (declared != last) progress?.Report(last = declared);
            if (declared >= ranks) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the rank hosts that joined declare {declared} of the {ranks} ranks after {timeout} (start more, or check their --local-ranks)");
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Wait until the shard coordinator knows a rank region on every Up rank host. A shard is allocated among the regions
    /// registered at that moment, and a host's region registers a little after the host is Up: ranks started before then
    /// would all go to the hosts already registered, and stay there (ranks move only when their host is lost).
    /// </summary>
    public static async Task AwaitRankRegionsAsync(ActorSystem system, IActorRef ranks, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var hosts = Cluster.Get(system).State.Members
                .Where(m => m.Status == MemberStatus.Up && m.HasRole(NodeRoles.RankHost))
                .Select(m => m.Address)
                .ToHashSet();
            IImmutableSet<Address> registered;
            try
            {
                registered = (await ranks.Ask<CurrentRegions>(GetCurrentRegions.Instance, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false)).Regions;
            }
            catch (AskTimeoutException)
            {
                // No coordinator yet: ask again.
                registered = ImmutableHashSet<Address>.Empty;
            }
            hosts.ExceptWith(registered);
            if (hosts.Count == 0) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the rank region of {string.Join(", ", hosts)} did not register with the shard coordinator within {timeout}");
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Ask every rank for its state, which starts each entity, and wait until all answered.</summary>
    public static async Task AwaitRanksAsync(IActorRef ranks, int count, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var asks = new Task<RankStateResult>[count];
        for (var g = 0; g < count; g++) asks[g] = ranks.Ask<RankStateResult>(new GetRankState(g), timeout, cancellationToken);
        try
        {
            await Task.WhenAll(asks).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            var silent = Enumerable.Range(0, count).Where(g => !asks[g].IsCompletedSuccessfully);
            throw new TimeoutException($"rank(s) {string.Join(",", silent)} did not start within {timeout}");
        }
    }
}
