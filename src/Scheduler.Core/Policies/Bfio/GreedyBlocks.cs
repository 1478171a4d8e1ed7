using System.Numerics;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// The greedy fill's view of the candidates (value order) in blocks of <see cref="Size"/>, each with its least load on
/// every row and its largest value. On a rank of room m(h) every candidate of a block costs at least
/// G·Σ_h w_h max(0, least(h) − m(h)) − largest, since each term only grows with the load and the value is subtracted: a
/// block bounded above the best cost found is passed over whole. Where every candidate overshoots the rank's room (a
/// cluster filling from empty sets room aside for every free slot) the costs fall from the heaviest candidates to the
/// lightest, a scan in value order reads nearly all of them, and the bounds find the best block first.
/// </summary>
internal sealed class GreedyBlocks
{
    /// <summary>Candidates per block: four SIMD widths of four.</summary>
    public const int Size = 16;

    private double[] _least = [];   // [h·capacity + b]
    private double[] _largest = []; // [b]
    private int _capacity;

    /// <summary>Blocks in the view.</summary>
    public int Count { get; private set; }

    /// <summary>Block b's largest value.</summary>
    public double Largest(int b) => _largest[b];

    /// <summary>Room for the blocks of a view of <paramref name="live"/> positions on <paramref name="rows"/> rows.</summary>
    public void Reserve(int rows, int live)
    {
        // Padded to whole SIMD widths: Bounds reads the blocks a width at a time (the padding is never read back).
        var blocks = (live + Size - 1) / Size;
        var padded = (blocks + Vector<double>.Count - 1) / Vector<double>.Count * Vector<double>.Count;
        if (_capacity < padded || _least.Length < rows * _capacity)
        {
            _capacity = Math.Max(padded, 2 * _capacity);
            _least = new double[rows * _capacity];
            _largest = new double[_capacity];
        }
    }

    /// <summary>Blocks over the first <paramref name="live"/> positions of a view: profiles row-major with a pitch of
    /// <paramref name="stride"/>, values descending.</summary>
    public void Rebuild(ReadOnlySpan<double> profiles, ReadOnlySpan<double> values, int live, int rows, int stride)
    {
        Count = (live + Size - 1) / Size;
        Reserve(rows, live);
        for (var b = 0; b < Count; b++) _largest[b] = values[b * Size];
        for (var h = 0; h < rows; h++)
        {
            var row = profiles.Slice(h * stride, live);
            for (var b = 0; b < Count; b++)
            {
                var end = Math.Min(live, (b + 1) * Size);
                var least = double.PositiveInfinity;
                for (var k = b * Size; k < end; k++) least = Math.Min(least, row[k]);
                _least[h * _capacity + b] = least;
            }
        }
    }

    /// <summary>
    /// Each block's bound on a rank of room <paramref name="margin"/>[k] into <paramref name="bound"/>[b], over the rows
    /// <paramref name="weightedRows"/> with their weights <paramref name="weight"/>[k] (the others weigh nothing), weight and
    /// room broadcast to every lane, as the greedy's scan holds them. <paramref name="bound"/> takes whole SIMD widths: room
    /// for <see cref="Count"/> rounded up to one.
    /// </summary>
    public void Bounds(ReadOnlySpan<int> weightedRows, ReadOnlySpan<Vector<double>> weight, ReadOnlySpan<Vector<double>> margin,
        double ranks, Span<double> bound)
    {
        var width = Vector<double>.Count;
        var lanes = (Count + width - 1) / width * width;
        var acc = bound[..lanes];
        acc.Clear();
        for (var k = 0; k < weightedRows.Length; k++)
        {
            var w = weight[k];
            var m = margin[k];
            var least = _least.AsSpan(weightedRows[k] * _capacity, lanes);
            for (var b = 0; b < lanes; b += width)
            {
                var over = Vector.MaxNative(new Vector<double>(least.Slice(b, width)) - m, Vector<double>.Zero);
                (new Vector<double>(acc.Slice(b, width)) + w * over).CopyTo(acc.Slice(b, width));
            }
        }
        var g = new Vector<double>(ranks);
        for (var b = 0; b < lanes; b += width)
            (g * new Vector<double>(acc.Slice(b, width)) - new Vector<double>(_largest.AsSpan(b, width))).CopyTo(acc.Slice(b, width));
    }
}
