namespace Scheduler.Core.Policies;

/// <summary>
/// Sorts candidates packed as (size &lt;&lt; 32 | position), entered in ascending position: by size, then position.
/// A stable radix sort on the size bytes gives exactly the packed keys' order (positions already ascend within each
/// size) in a few linear passes, where a comparison sort of a decision's 128 keys cost more than the greedy picks
/// it serves. Sizes of 2^24 tokens or more, or negative ones, fall back to the comparison sort.
/// </summary>
internal sealed class SizeOrder
{
    private long[] _scratch = [];
    private readonly int[] _counts = new int[256];

    public void Sort(Span<long> keys)
    {
        var n = keys.Length;
        if (n < 2) return;
        long largest = 0;
        foreach (var key in keys)
        {
            var size = key >> 32;
            if (size < 0) { keys.Sort(); return; }
            if (size > largest) largest = size;
        }
        if (largest >= 1L << 24) { keys.Sort(); return; }
        if (_scratch.Length < n) _scratch = new long[Math.Max(n, 2 * _scratch.Length)];
        var from = keys;
        var to = _scratch.AsSpan(0, n);
        var passes = 0;
        for (var shift = 32; shift < 56 && largest >> (shift - 32) > 0; shift += 8)
        {
            Pass(from, to, shift);
            var swap = from;
            from = to;
            to = swap;
            passes++;
        }
        if (passes % 2 == 1) from.CopyTo(keys);
    }

    private void Pass(ReadOnlySpan<long> from, Span<long> to, int shift)
    {
        var counts = _counts.AsSpan();
        counts.Clear();
        foreach (var key in from) counts[(int)(key >> shift) & 0xFF]++;
        var start = 0;
        for (var b = 0; b < 256; b++)
        {
            var c = counts[b];
            counts[b] = start;
            start += c;
        }
        foreach (var key in from) to[counts[(int)(key >> shift) & 0xFF]++] = key;
    }
}
