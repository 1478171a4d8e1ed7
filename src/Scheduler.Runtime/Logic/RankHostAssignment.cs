namespace Scheduler.Runtime.Logic;

/// <summary>A rank host as the shard coordinator sees it: how many ranks it declared (its GPUs) and how many it holds.</summary>
public readonly record struct RankHostLoad(int DeclaredRanks, int HeldRanks)
{
    public int FreeRanks => Math.Max(0, DeclaredRanks - HeldRanks);
}

/// <summary>
/// Where a rank lives. Hosts in address order own consecutive blocks of ranks as large as they declared (the first host
/// with --local-ranks 16 gets ranks 0–15, the next 16–31), so a cluster that starts the same way places ranks the same
/// way. A rank whose block host is gone or full (its host was lost and the rank is re-created) goes to the host with the
/// most declared room left (a spare host joined for this), and when no host has room, to the host holding the fewest
/// ranks: the service keeps its G ranks at the cost of two ranks sharing a host until the lost host is replaced.
/// Ranks never move once placed (the allocation strategy never rebalances: sharding drops messages during a hand-off).
/// </summary>
public static class RankHostAssignment
{
    /// <summary>The index in <paramref name="hosts"/> (address order) of the host for <paramref name="rank"/>; −1 if there is none.</summary>
    public static int Choose(int rank, ReadOnlySpan<RankHostLoad> hosts)
    {
        if (hosts.IsEmpty) return -1;
        var blockStart = 0;
        for (var i = 0; i < hosts.Length; i++)
        {
            var declared = hosts[i].DeclaredRanks;
            if (rank >= blockStart && rank < blockStart + declared && hosts[i].FreeRanks > 0) return i;
            blockStart += declared;
        }
        var roomiest = -1;
        for (var i = 0; i < hosts.Length; i++)
            if (hosts[i].FreeRanks > 0 && (roomiest < 0 || hosts[i].FreeRanks > hosts[roomiest].FreeRanks)) roomiest = i;
        if (roomiest >= 0) return roomiest;
        var leastHeld = 0;
        for (var i = 1; i < hosts.Length; i++)
            if (hosts[i].HeldRanks < hosts[leastHeld].HeldRanks) leastHeld = i;
        return leastHeld;
    }
}
