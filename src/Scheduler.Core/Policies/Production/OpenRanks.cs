using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Production;

/// <summary>The ranks with a free slot, in index order, kept in a reusable buffer for the random policies.</summary>
internal static class OpenRanks
{
    /// <summary>Fills <paramref name="buffer"/> (grown if needed) with the ranks that have a free slot; returns how many.</summary>
    public static int Collect(ClusterView state, ref int[] buffer)
    {
        if (buffer.Length < state.Ranks) buffer = new int[state.Ranks];
        var count = 0;
        for (var g = 0; g < state.Ranks; g++)
            if (state.FreeSlots(g) > 0) buffer[count++] = g;
        return count;
    }

    /// <summary>Drops <paramref name="rank"/> from the first <paramref name="count"/> entries, keeping index order; returns the new count.</summary>
    public static int Remove(int[] buffer, int count, int rank)
    {
        var at = Array.IndexOf(buffer, rank, 0, count);
        if (at < 0) return count;
        Array.Copy(buffer, at + 1, buffer, at, count - at - 1);
        return count - 1;
    }
}
