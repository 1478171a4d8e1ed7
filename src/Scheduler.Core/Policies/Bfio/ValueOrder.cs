namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// Candidates by value, descending, ties by index: the order the solver's fill and exchanges read them in, a total order so
/// that every decision is fully determined. Sorted as integer keys that order as the values do, each carrying its
/// candidate: .NET sorts primitive keys with inlined comparisons, where keys comparing themselves as doubles took a call
/// and NaN checks per comparison (G=128: 2% of a decision). That sort does not keep the order of equal keys, so runs of
/// equal values are then put back in index order.
/// </summary>
internal static class ValueOrder
{
    /// <summary>Writes into <paramref name="order"/> the indices of <paramref name="values"/> by value, descending, ties by
    /// index; <paramref name="keys"/> is scratch of the same length.</summary>
    public static void Sort(ReadOnlySpan<double> values, Span<ulong> keys, Span<int> order)
    {
        var count = values.Length;
        for (var i = 0; i < count; i++)
        {
            keys[i] = DescendingKey(values[i]);
            order[i] = i;
        }
        keys[..count].Sort(order[..count]);
        for (var start = 0; start < count;)
        {
            var end = start + 1;
            while (end < count && keys[end] == keys[start]) end++;
            if (end - start > 1) order[start..end].Sort();
            start = end;
        }
    }

    /// <summary>An integer that orders as the value does, descending: the larger the value, the smaller the key. −0 and +0,
    /// equal as values, get the same key.</summary>
    public static ulong DescendingKey(double value)
    {
        var bits = BitConverter.DoubleToUInt64Bits(value == 0.0 ? 0.0 : value);
        // Ascending as unsigned integers: negatives reversed below the positives, which keep their order above the sign bit.
        var ascending = (bits & 0x8000_0000_0000_0000UL) != 0 ? ~bits : bits | 0x8000_0000_0000_0000UL;
        return ~ascending;
    }

    /// <summary>Sorts enough values once that every path of the sort is compiled, ties included (see BfioPolicy's warm-up).</summary>
    public static void Compile()
    {
        var values = new double[256];
        for (var i = 0; i < values.Length; i++) values[i] = (i * 37) % 101;
        Sort(values, new ulong[values.Length], new int[values.Length]);
    }
}
