using System.Numerics;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// The exchange search's worklist over candidates 0..count−1, as two bit sets: <em>admitted</em> while a candidate is placed
/// on a rank, <em>open</em> while its search may still find an exchange (don't-look bits: a search that found nothing
/// settles it, until an exchange touches its rank or makes its rank critical). A sweep visits the candidates both admitted
/// and open in index order, finding each next one a word at a time instead of testing every candidate every sweep.
/// </summary>
internal sealed class SearchWorklist
{
    private ulong[] _open = [];
    private ulong[] _admitted = [];
    private int _count;

    /// <summary>Room for <paramref name="candidates"/> candidates, ahead of the first problem that large.</summary>
    public void Reserve(int candidates)
    {
        Buffers.Ensure(ref _open, Words(candidates));
        Buffers.Ensure(ref _admitted, Words(candidates));
    }

    /// <summary>Candidates 0..<paramref name="count"/>−1, none admitted.</summary>
    public void Reset(int count)
    {
        Reserve(count);
        _count = count;
        _admitted.AsSpan(0, Words(count)).Clear();
    }

    public void Admit(int i) => _admitted[i >> 6] |= 1UL << (i & 63);

    public void Queue(int i) => _admitted[i >> 6] &= ~(1UL << (i & 63));

    /// <summary>Whether some candidate is not admitted: fewer admitted bits than candidates.</summary>
    public bool AnyQueued()
    {
        var admitted = 0;
        foreach (var word in _admitted.AsSpan(0, Words(_count))) admitted += BitOperations.PopCount(word);
        return admitted < _count;
    }

    /// <summary>Every candidate open (the search's start).</summary>
    public void OpenAll()
    {
        var words = Words(_count);
        _open.AsSpan(0, words).Fill(ulong.MaxValue);
        if ((_count & 63) != 0) _open[words - 1] = (1UL << (_count & 63)) - 1;
    }

    public void Open(int i) => _open[i >> 6] |= 1UL << (i & 63);

    /// <summary>Candidate i's search found nothing: passed over until <see cref="Open"/>ed again.</summary>
    public void Settle(int i) => _open[i >> 6] &= ~(1UL << (i & 63));

    /// <summary>The first admitted, open candidate at or after <paramref name="from"/>, or −1.</summary>
    public int NextOpen(int from)
    {
        var words = Words(_count);
        var word = from >> 6;
        if (word >= words) return -1;
        var bits = _open[word] & _admitted[word] & (ulong.MaxValue << (from & 63));
        while (bits == 0)
        {
            if (++word >= words) return -1;
            bits = _open[word] & _admitted[word];
        }
        return (word << 6) + BitOperations.TrailingZeroCount(bits);
    }

    private static int Words(int count) => (count + 63) >> 6;
}
