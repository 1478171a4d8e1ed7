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

    /// <summary>Start the region of rank entities (entity id = rank index, passivation as configured: off).</summary>
    public static Task<IActorRef> StartRankRegionAsync(ActorSystem system, RuntimeSettings settings, IDecodeEngineFactory engines) =>
        ClusterSharding.Get(system).StartAsync(
            settings.RankTypeName,
            entityId => RankEntity.Props(RankMessageExtractor.RankOf(entityId), engines).WithDispatcher(settings.RankDispatcher),
            ClusterShardingSettings.Create(system),
            new RankMessageExtractor(settings.NumberOfShards));

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
