namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// The greedy fill's view of the candidates in value order (descending, ties by index): their ids, values and profiles
/// ([h·stride + k], zeros past the last up to the SIMD width), which the fill costs a SIMD width at a time. The candidates
/// taken are dropped once they are a quarter of the view (<see cref="Compact"/>), keeping value order, so a fill that
/// admits most of its candidates does not keep costing them; a long view is also summed up in blocks
/// (<see cref="GreedyBlocks"/>) that the fill passes over by their bounds.
/// </summary>
internal sealed class GreedyView
{
    private int[] _ids = [];
    private double[] _soa = [];
    private double[] _values = [];
    private int _rows;
    private int _stride;
    private int _taken;          // candidates taken since the last compaction
    private int _blockScanFrom;  // the view is read by blocks from this many blocks on

    /// <summary>Room for <paramref name="candidates"/> candidates on <paramref name="rows"/> rows at a pitch of
    /// <paramref name="stride"/>.</summary>
    public void Reserve(int rows, int stride, int candidates)
    {
        Buffers.Ensure(ref _ids, candidates);
        Buffers.Ensure(ref _soa, rows * stride);
        Buffers.Ensure(ref _values, stride);
        Blocks.Reserve(rows, candidates);
    }

    /// <summary>Entries in the view.</summary>
    public int Live { get; private set; }

    /// <summary>Where the last pick stood in the view (−1: none yet). Turn after turn the best candidate sits in the same
    /// stretch of value order (on a cluster filling from empty, near its light end), so the fill costs that width first.</summary>
    public int Hint { get; set; } = -1;

    /// <summary>The view's blocks, current while <see cref="ReadsByBlocks"/>.</summary>
    public GreedyBlocks Blocks { get; } = new();

    /// <summary>The candidate at each place.</summary>
    public ReadOnlySpan<int> Ids => _ids;

    /// <summary>The values, place by place, then zeros to the SIMD width.</summary>
    public ReadOnlySpan<double> Values => _values;

    /// <summary>The profiles, row-major: [h·stride + place].</summary>
    public ReadOnlySpan<double> Profiles => _soa;

    /// <summary>Whether a view of <paramref name="live"/> entries is read by blocks: <see cref="Start"/>'s threshold, in
    /// blocks (in a short view a scan in value order reads a few widths and the bounds would cost more than they save).</summary>
    public bool ReadsByBlocks(int live) => live >= (long)_blockScanFrom * GreedyBlocks.Size;

    /// <summary>
    /// Every candidate of <paramref name="byValue"/> (the value order), with its value from <paramref name="values"/> and its
    /// profile from <paramref name="profiles"/> ([h·stride + i]); none taken, no hint. Read by blocks from
    /// <paramref name="blockScanFrom"/> blocks on.
    /// </summary>
    public void Start(ReadOnlySpan<int> byValue, ReadOnlySpan<double> values, ReadOnlySpan<double> profiles, int rows, int stride,
        int blockScanFrom)
    {
        var count = byValue.Length;
        _rows = rows;
        _stride = stride;
        _blockScanFrom = blockScanFrom;
        byValue.CopyTo(_ids);
        for (var k = 0; k < count; k++) _values[k] = values[byValue[k]];
        // Row by row, each row written in order (rows a pitch apart map alike in the cache).
        for (var h = 0; h < rows; h++)
        {
            var from = profiles.Slice(h * stride, stride);
            var to = _soa.AsSpan(h * stride, count);
            for (var k = 0; k < to.Length; k++) to[k] = from[byValue[k]];
        }
        for (var h = 0; h < rows; h++) _soa.AsSpan(h * stride + count, stride - count).Clear();
        _values.AsSpan(count, stride - count).Clear();
        Live = count;
        _taken = 0;
        Hint = -1;
        RebuildBlocks();
    }

    /// <summary>A candidate of the view was taken (it stays in the view, never picked, until the next compaction).</summary>
    public void Took() => _taken++;

    /// <summary>Whether the candidates taken are more than a quarter of the view: time to <see cref="Compact"/> it.</summary>
    public bool CompactionDue => 4 * _taken > Live;

    /// <summary>
    /// Drops the candidates taken (<paramref name="rankOf"/> ≥ 0), keeping value order and the hint's place among the
    /// candidates left. The entries freed at the end are cleared as the padding past the last candidate is: lanes there are
    /// costed with their width but never picked.
    /// </summary>
    public void Compact(ReadOnlySpan<int> rankOf)
    {
        var live = 0;
        var hint = -1;
        for (var k = 0; k < Live; k++)
        {
            if (k == Hint) hint = live;
            var i = _ids[k];
            if (rankOf[i] >= 0) continue;
            if (live != k)
            {
                _ids[live] = i;
                _values[live] = _values[k];
                for (var h = 0; h < _rows; h++) _soa[h * _stride + live] = _soa[h * _stride + k];
            }
            live++;
        }
        _values.AsSpan(live, Live - live).Clear();
        for (var h = 0; h < _rows; h++) _soa.AsSpan(h * _stride + live, Live - live).Clear();
        Live = live;
        _taken = 0;
        Hint = hint;
        RebuildBlocks();
    }

    private void RebuildBlocks()
    {
        if (ReadsByBlocks(Live)) Blocks.Rebuild(_soa, _values, Live, _rows, _stride);
    }
}
