using System.Globalization;
using Akka.Cluster.Sharding;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Actors;

/// <summary>
/// Routes <see cref="IRankCommand"/>s by rank id: entity id = the rank index, shard id = the rank index
/// modulo <see cref="ShardCount"/> (0: one shard per rank, so a multi-node cluster can spread ranks one
/// by one). The same extractor serves the shard region and <see cref="LocalRankHost"/> in tests.
/// (Sharding's own StartEntity messages are routed through <see cref="ShardId(string, object?)"/>.)
/// </summary>
public sealed class RankMessageExtractor(int shardCount) : IMessageExtractor
{
    public int ShardCount { get; } = shardCount >= 0 ? shardCount : throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, "shard count must not be negative");

    public static string EntityIdOf(int rank) => rank.ToString(CultureInfo.InvariantCulture);

    public static int RankOf(string entityId) =>
        int.TryParse(entityId, NumberStyles.None, CultureInfo.InvariantCulture, out var rank)
            ? rank
            : throw new ArgumentException($"rank entity id '{entityId}' is not a rank index");

    public string? EntityId(object message) => message switch
    {
        IRankCommand command => EntityIdOf(command.Rank),
        _ => null,
    };

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) => message switch
    {
        IRankCommand command => ShardOf(command.Rank),
        _ => null,
    };

    public string ShardId(string entityId, object? messageHint = null) => ShardOf(RankOf(entityId));

    private string ShardOf(int rank) =>
        (ShardCount == 0 ? rank : rank % ShardCount).ToString(CultureInfo.InvariantCulture);
}
