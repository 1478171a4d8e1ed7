namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// The greedy fill's turn order: a max-heap of ranks by most free slots, then least weighted load, then lowest index,
/// over the solver's own arrays. Only the rank at the top takes a request, and taking one lowers its free slots and raises
/// its load, so each turn costs one sift down from the root instead of a scan of every rank (G = 128 took 512 scans of
/// 128 ranks in a call that fills the cluster). Each entry carries its rank's free slots and load, so a sift compares
/// entries it holds rather than reading two arrays per comparison; only the top's change, and it is read afresh.
/// </summary>
internal sealed class RoomOrder
{
    private readonly record struct Entry(int Free, double Weighted, int Rank)
    {
        /// <summary>Whether this entry goes above <paramref name="other"/>.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public bool Before(in Entry other) =>
            Free > other.Free || (Free == other.Free && (Weighted < other.Weighted || (Weighted == other.Weighted && Rank < other.Rank)));
    }

    private Entry[] _heap = [];
    private int[] _free = [];
    private double[] _weighted = [];
    private int _count;

    /// <summary>Room for <paramref name="ranks"/> ranks, ahead of the first fill that orders them.</summary>
    public void Reserve(int ranks) => Buffers.Ensure(ref _heap, ranks);

    /// <summary>Orders ranks 0..<paramref name="ranks"/>−1 by the slots and loads these arrays hold now.</summary>
    public void Build(int[] free, double[] weighted, int ranks)
    {
        _free = free;
        _weighted = weighted;
        Reserve(ranks);
        _count = ranks;
        for (var g = 0; g < ranks; g++) _heap[g] = new Entry(free[g], weighted[g], g);
        for (var i = ranks / 2 - 1; i >= 0; i--) SiftDown(i, _heap[i]);
    }

    /// <summary>The rank with the most free slots (ties: least weighted load, then lowest index), or −1 if none has one.</summary>
    public int Top => _count > 0 && _heap[0].Free > 0 ? _heap[0].Rank : -1;

    /// <summary>The top rank took a request: one free slot fewer and more load, so it can only sink.</summary>
    public void TopTook()
    {
        var g = _heap[0].Rank;
        SiftDown(0, new Entry(_free[g], _weighted[g], g));
    }

    private void SiftDown(int i, Entry entry)
    {
        var heap = _heap.AsSpan(0, _count);
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= heap.Length) break;
            if (child + 1 < heap.Length && heap[child + 1].Before(heap[child])) child++;
            if (!heap[child].Before(entry)) break;
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = entry;
    }
}
