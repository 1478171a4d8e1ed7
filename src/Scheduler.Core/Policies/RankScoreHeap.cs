namespace Scheduler.Core.Policies;

/// <summary>A min-heap of (score, rank) ordered by score, then rank: the same total order as a heap of
/// tuples, so pops come out in the same sequence however the heap is built.</summary>
internal sealed class RankScoreHeap
{
    private (double Score, int Rank)[] _items = new (double, int)[16];

    public int Count { get; private set; }

    public void Clear() => Count = 0;

    public void Push(double score, int rank)
    {
        if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Less(score, rank, _items[parent])) break;
            _items[i] = _items[parent];
            i = parent;
        }
        _items[i] = (score, rank);
    }

    public (double Score, int Rank) Pop()
    {
        var top = _items[0];
        var last = _items[--Count];
        var i = 0;
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= Count) break;
            if (child + 1 < Count && Less(_items[child + 1].Score, _items[child + 1].Rank, _items[child])) child++;
            if (!Less(_items[child].Score, _items[child].Rank, last)) break;
            _items[i] = _items[child];
            i = child;
        }
        if (Count > 0) _items[i] = last;
        return top;
    }

    private static bool Less(double score, int rank, (double Score, int Rank) other) =>
        score < other.Score || (score == other.Score && rank < other.Rank);
}
