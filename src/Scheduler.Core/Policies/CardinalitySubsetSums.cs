using System.Numerics;

namespace Scheduler.Core.Policies;

/// <summary>
/// Which sums are reachable with exactly j of the given items (j ≤ k, sums ≤ cap), as bitsets, plus for
/// every reachable (j, sum) the first item index after which it became reachable. That index answers
/// "was this reachable before item i?" for backtracking without keeping a snapshot per item.
/// Cost grows with cap (the prompt-token sum): this is the reference's quirk, reproduced on purpose.
/// The first-reach table is never cleared: an entry is written exactly when its bit is first set, so it is read
/// only behind a set bit (clearing it wrote k·cap entries per run, whatever the items).
/// With k = 1 (a rank with one free slot, the usual case at the end of a fill) a sum is one item's size: the queries
/// scan the sizes instead, and no bitset is built.
/// </summary>
internal sealed class CardinalitySubsetSums
{
    private const int MaxItems = ushort.MaxValue;
    private ulong[] _bits = [];
    private ushort[] _firstReach = [];
    private int[] _highWord = [];
    private int _words;
    private long _cap;
    private int _k;
    private int[] _singles = []; // k = 1: the sizes themselves
    private int _singleCount;

    public void Run(ReadOnlySpan<int> sizes, int k, long cap)
    {
        if (sizes.Length >= MaxItems) throw new ArgumentOutOfRangeException(nameof(sizes), "at most 65534 items");
        _k = k;
        _cap = cap;
        if (k == 1)
        {
            if (_singles.Length < sizes.Length) _singles = new int[sizes.Length];
            sizes.CopyTo(_singles);
            _singleCount = sizes.Length;
            return;
        }
        _words = (int)((cap >> 6) + 1);
        var bitLen = (long)(k + 1) * _words;
        if (_bits.Length < bitLen) _bits = new ulong[bitLen];
        _bits.AsSpan(0, (int)bitLen).Clear();
        var reachLen = (long)k * (cap + 1);
        if (_firstReach.Length < reachLen) _firstReach = new ushort[reachLen];
        if (_highWord.Length < k + 1) _highWord = new int[k + 1];
        Array.Fill(_highWord, -1, 0, k + 1);
        _bits[0] = 1UL;
        _highWord[0] = 0;

        var lastWordMask = (cap & 63) == 63 ? ulong.MaxValue : (1UL << (int)((cap & 63) + 1)) - 1;
        for (var i = 0; i < sizes.Length; i++)
        {
            var s = sizes[i];
            var wordShift = s >> 6;
            var bitShift = s & 63;
            var top = Math.Min(i + 1, k);
            for (var j = top; j >= 1; j--)
            {
                var srcHigh = _highWord[j - 1];
                if (srcHigh < 0) continue;
                var src = _bits.AsSpan((j - 1) * _words, _words);
                var dst = _bits.AsSpan(j * _words, _words);
                var lastW = Math.Min(_words - 1, srcHigh + wordShift + 1);
                var record = j < k;
                var high = _highWord[j];
                for (var w = wordShift; w <= lastW; w++)
                {
                    var sw = w - wordShift;
                    var shifted = sw <= srcHigh ? src[sw] << bitShift : 0UL;
                    if (bitShift != 0 && sw >= 1 && sw - 1 <= srcHigh) shifted |= src[sw - 1] >> (64 - bitShift);
                    if (w == _words - 1) shifted &= lastWordMask;
                    var fresh = shifted & ~dst[w];
                    if (fresh == 0) continue;
                    dst[w] |= fresh;
                    if (w > high) high = w;
                    if (record)
                    {
                        var row = (long)j * (cap + 1);
                        while (fresh != 0)
                        {
                            var pos = (long)w * 64 + BitOperations.TrailingZeroCount(fresh);
                            _firstReach[row + pos] = (ushort)i;
                            fresh &= fresh - 1;
                        }
                    }
                }
                _highWord[j] = high;
            }
        }
    }

    /// <summary>Largest sum ≤ limit reachable with exactly j items, or -1.</summary>
    public long LargestAtMost(int j, long limit)
    {
        if (limit < 0) return -1;
        if (limit > _cap) limit = _cap;
        if (_k == 1) return j == 0 ? 0 : LargestSingle(limit);
        var row = _bits.AsSpan(j * _words, _words);
        var w = (int)(limit >> 6);
        var word = row[w];
        var bit = (int)(limit & 63);
        if (bit != 63) word &= (1UL << (bit + 1)) - 1;
        while (true)
        {
            if (word != 0) return (long)w * 64 + 63 - BitOperations.LeadingZeroCount(word);
            if (--w < 0) return -1;
            word = row[w];
        }
    }

    /// <summary>Smallest sum in [from, upTo] reachable with exactly j items, or -1.</summary>
    public long SmallestInRange(int j, long from, long upTo)
    {
        if (upTo > _cap) upTo = _cap;
        if (from < 0) from = 0;
        if (from > upTo) return -1;
        if (_k == 1) return j == 0 ? (from == 0 ? 0 : -1) : SmallestSingle(from, upTo);
        var row = _bits.AsSpan(j * _words, _words);
        var w = (int)(from >> 6);
        var lastW = (int)(upTo >> 6);
        var word = row[w] & (ulong.MaxValue << (int)(from & 63));
        while (true)
        {
            if (word != 0)
            {
                var pos = (long)w * 64 + BitOperations.TrailingZeroCount(word);
                return pos <= upTo ? pos : -1;
            }
            if (++w > lastW) return -1;
            word = row[w];
        }
    }

    /// <summary>Whether <paramref name="sum"/> was reachable with exactly j items using only items before index i.</summary>
    public bool ReachableBefore(int j, long sum, int i)
    {
        if (j == 0) return sum == 0;
        if (sum < 0 || sum > _cap || j >= _k) return false;
        if (_k == 1) return false; // only j = 0 is below k, answered above
        if ((_bits[j * _words + (int)(sum >> 6)] & (1UL << (int)(sum & 63))) == 0) return false;
        return _firstReach[(long)j * (_cap + 1) + sum] < i;
    }

    private long LargestSingle(long limit)
    {
        long best = -1;
        foreach (var s in _singles.AsSpan(0, _singleCount))
            if (s <= limit && s > best) best = s;
        return best;
    }

    private long SmallestSingle(long from, long upTo)
    {
        var best = long.MaxValue;
        foreach (var s in _singles.AsSpan(0, _singleCount))
            if (s >= from && s <= upTo && s < best) best = s;
        return best == long.MaxValue ? -1 : best;
    }
}
