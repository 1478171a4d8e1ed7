using System.Numerics;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// Candidates by value, descending, ties by index: the order the solver's fill and exchanges read them in, a total order so
/// that every decision is fully determined. Up to <see cref="CountingUpTo"/> candidates each one's place is counted;
/// more are sorted by the bytes of integer keys that order as the values do, least significant byte first, each pass
/// stable (a radix sort), so equal values keep their index order. A comparison sort spent most of its time on
/// mispredicted branches: 21 µs for the 512 candidates of a G=128 ramp call (10.6 by bytes), 3.6 µs for G=32's 128 (2.8),
/// timed in process.
/// </summary>
internal static class ValueOrder
{
    /// <summary>Writes into <paramref name="order"/> the indices of <paramref name="values"/> by value, descending, ties by
    /// index. <paramref name="keys"/> (twice their length) and <paramref name="indices"/> (their length) are scratch.</summary>
    public static void Sort(ReadOnlySpan<double> values, Span<ulong> keys, Span<int> indices, Span<int> order)
    {
        var count = values.Length;
        if (count == 0) return;
        if (count <= CountingUpTo)
        {
            SortByCounting(values, System.Runtime.InteropServices.MemoryMarshal.Cast<ulong, long>(keys)[..count], order);
            return;
        }
        // Least significant byte first, each pass stable, so after the last the keys are in order and equal keys in the
        // order they started in: index order. Two buffers each (keys and indices), written in turn.
        Span<int> histogram = stackalloc int[256];
        var fromKeys = keys[..count];
        var toKeys = keys.Slice(count, count);
        var fromIndex = order[..count];
        var toIndex = indices[..count];
        for (var i = 0; i < count; i++)
        {
            fromKeys[i] = DescendingKey(values[i]);
            fromIndex[i] = i;
        }
        for (var shift = 0; shift < 64; shift += 8)
        {
            histogram.Clear();
            foreach (var key in fromKeys) histogram[(int)(key >> shift) & 0xFF]++;
            // A byte every key shares moves nothing: the pass is skipped.
            if (histogram[(int)(fromKeys[0] >> shift) & 0xFF] == count) continue;
            var sum = 0;
            for (var d = 0; d < 256; d++)
            {
                var n = histogram[d];
                histogram[d] = sum;
                sum += n;
            }
            for (var k = 0; k < count; k++)
            {
                var at = histogram[(int)(fromKeys[k] >> shift) & 0xFF]++;
                toKeys[at] = fromKeys[k];
                toIndex[at] = fromIndex[k];
            }
            var keysSwap = fromKeys; fromKeys = toKeys; toKeys = keysSwap;
            var indexSwap = fromIndex; fromIndex = toIndex; toIndex = indexSwap;
        }
        if (fromIndex != order[..count]) fromIndex.CopyTo(order);
    }

    /// <summary>
    /// Up to this many values each one's place is counted instead (<see cref="SortByCounting"/>): n² comparisons, a SIMD
    /// width at a time and without a branch, against eight passes over 256 buckets whatever n. Timed in process on one
    /// core (radix → counting, µs): 32 values 1.49 → 0.23, 78 (G=32's median call) 2.65 → 1.10, 128 3.90 → 2.90,
    /// 192 5.36 → 6.03, 512 19.8 → 80.9.
    /// </summary>
    internal const int CountingUpTo = 160;

    /// <summary>
    /// Each value's place is the number of values that come before it: those with a smaller key (larger values), and those
    /// with an equal key and a smaller index. The keys are <see cref="DescendingKey"/>s shifted to signed integers (the
    /// sign bit flipped), which order alike, since SIMD compares signed lanes. The same total order as the radix sort.
    /// </summary>
    private static void SortByCounting(ReadOnlySpan<double> values, Span<long> keys, Span<int> order)
    {
        var count = values.Length;
        for (var i = 0; i < count; i++) keys[i] = (long)(DescendingKey(values[i]) ^ 0x8000_0000_0000_0000UL);
        var width = Vector<long>.Count;
        var whole = count / width * width;
        var lane = Vector<long>.Indices;
        for (var i = 0; i < count; i++)
        {
            var key = keys[i];
            var ki = new Vector<long>(key);
            var vi = new Vector<long>(i);
            var before = Vector<long>.Zero; // −1 per lane that comes before i
            for (var j = 0; j < whole; j += width)
            {
                var kj = new Vector<long>(keys.Slice(j, width));
                before += Vector.LessThan(kj, ki) | (Vector.Equals(kj, ki) & Vector.LessThan(lane + new Vector<long>(j), vi));
            }
            var place = -Vector.Sum(before);
            for (var j = whole; j < count; j++)
                if (keys[j] < key || (keys[j] == key && j < i)) place++;
            order[(int)place] = i;
        }
    }

    /// <summary>Sorts made-up values by the radix sort, so that it is compiled before a decision needs it (bfio's warm-up,
    /// whose twin shows too few candidates to take it). Returns the first of the order.</summary>
    internal static int CompileRadix()
    {
        var count = CountingUpTo + 1;
        var values = new double[count];
        for (var i = 0; i < count; i++) values[i] = (i * 37) % 101;
        var order = new int[count];
        Sort(values, new ulong[2 * count], new int[count], order);
        return order[0];
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
}
