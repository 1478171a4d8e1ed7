using System.Numerics;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// The three most loaded ranks of every planned row, with their loads, kept current as ranks gain or lose load.
/// The first is the envelope (the row's maximum); the next two are what the envelope falls to when one or two of the
/// ranks above give way, which is all an exchange between two ranks needs to price its effect on the maximum.
/// </summary>
/// <remarks>Rank loads are read from a rank-major span, <c>[g·rows + h]</c>, the solver's own layout; where a row must be
/// scanned again, <see cref="Refresh"/> may be handed a row-major copy too, <c>[h·pitch + g]</c>, and reads the row from it a
/// SIMD width at a time.</remarks>
internal sealed class RowLeaders
{
    private double[] _load = [];  // [3·h + k], k = 0 the largest
    private int[] _rank = [];     // −1 where fewer than three ranks exist
    private int _ranks;
    private int _rows;

    public void Reset(int ranks, int rows)
    {
        _ranks = ranks;
        _rows = rows;
        Buffers.Ensure(ref _load, 3 * rows);
        Buffers.Ensure(ref _rank, 3 * rows);
        Buffers.Ensure(ref _scratch, Padded(ranks)); // a row's copy in RescanRowMajor
    }

    private static int Padded(int ranks) => (ranks + Vector<double>.Count - 1) / Vector<double>.Count * Vector<double>.Count;

    /// <summary>The k-th largest load of row h (k = 0, 1, 2; −∞ past the last rank).</summary>
    public double Load(int h, int k) => _load[3 * h + k];

    /// <summary>The rank holding the k-th largest load of row h (−1 past the last rank).</summary>
    public int Rank(int h, int k) => _rank[3 * h + k];

    /// <summary>Row h's envelope: its largest load.</summary>
    public double Max(int h) => _load[3 * h];

    /// <summary>Every row from scratch.</summary>
    public void Rebuild(ReadOnlySpan<double> loads)
    {
        for (var h = 0; h < _rows; h++) RescanRow(loads, h);
    }

    /// <summary>Every row from scratch, read from a row-major copy of the loads (<c>[h·pitch + g]</c>): the same three.</summary>
    public void Rebuild(ReadOnlySpan<double> byRow, int pitch)
    {
        for (var h = 0; h < _rows; h++) RescanRowMajor(byRow.Slice(h * pitch, _ranks), 3 * h);
    }

    /// <summary>
    /// After ranks a and b (b = −1: none) changed, in either direction. Where neither was among a row's three they can only
    /// enter it. Where one was, every rank outside the three stands at or below the third's load, so if each of them that
    /// was among the three still stands there, the three are the same ranks and only their order changes; otherwise one
    /// fell below a rank outside, which only a rescan of the row finds.
    /// </summary>
    public void Refresh(ReadOnlySpan<double> loads, int a, int b, ReadOnlySpan<double> byRow = default, int pitch = 0)
    {
        for (var h = 0; h < _rows; h++)
        {
            var t = 3 * h;
            var at = Position(t, a);
            var bt = b >= 0 ? Position(t, b) : -1;
            if (at < 0 && bt < 0)
            {
                Enter(t, a, loads[a * _rows + h]);
                if (b >= 0) Enter(t, b, loads[b * _rows + h]);
                continue;
            }
            var third = _load[t + 2];
            var va = loads[a * _rows + h];
            var vb = b >= 0 ? loads[b * _rows + h] : 0.0;
            if ((at >= 0 && va < third) || (bt >= 0 && vb < third))
            {
                if (byRow.IsEmpty) RescanRow(loads, h);
                else RescanRowMajor(byRow.Slice(h * pitch, _ranks), 3 * h);
                continue;
            }
            if (at >= 0) _load[t + at] = va;
            if (bt >= 0) _load[t + bt] = vb;
            SortThree(t);
            if (at < 0) Enter(t, a, va);
            if (bt < 0 && b >= 0) Enter(t, b, vb);
        }
    }

    private int Position(int t, int g)
    {
        for (var k = 0; k < 3; k++)
            if (_rank[t + k] == g) return k;
        return -1;
    }

    /// <summary>Row t's three back into descending order of load (insertion sort; equal loads keep their order).</summary>
    private void SortThree(int t)
    {
        for (var k = 1; k < 3; k++) Lift(t, k, _load[t + k], _rank[t + k]);
    }

    /// <summary>Puts rank r with load v at position k of row t's three, or above it past every lower load, shifting those
    /// down (the entry at k is overwritten: it is r's old place, or the third, which r pushes out).</summary>
    private void Lift(int t, int k, double v, int r)
    {
        while (k > 0 && v > _load[t + k - 1])
        {
            _load[t + k] = _load[t + k - 1];
            _rank[t + k] = _rank[t + k - 1];
            k--;
        }
        _load[t + k] = v;
        _rank[t + k] = r;
    }

    /// <summary>Rank g, not among the three at t, enters them if its load v beats the third.</summary>
    private void Enter(int t, int g, double v)
    {
        if (v > _load[t + 2]) Lift(t, 2, v, g);
    }

    private double[] _scratch = [];

    /// <summary>
    /// Row t/3's three from its loads in rank order (<paramref name="row"/>[g] = rank g's), as <see cref="RescanRow"/> finds
    /// them: the three first by load, descending, ties by rank. Three passes over a copy, each taking the largest load (SIMD)
    /// and the first rank holding it, then striking that rank out.
    /// </summary>
    private void RescanRowMajor(ReadOnlySpan<double> row, int t)
    {
        var width = Vector<double>.Count;
        var padded = Padded(row.Length); // row is one of the _ranks Reset sized the copy for
        var copy = _scratch.AsSpan(0, padded);
        row.CopyTo(copy);
        copy[row.Length..].Fill(double.NegativeInfinity); // padding never leads
        for (var k = 0; k < 3; k++)
        {
            var max = new Vector<double>(double.NegativeInfinity);
            for (var l = 0; l < padded; l += width) max = Vector.Max(max, new Vector<double>(copy.Slice(l, width)));
            var v = double.NegativeInfinity;
            for (var l = 0; l < width; l++) v = Math.Max(v, max[l]);
            // Loads are finite: −∞ means every rank has been taken (fewer than three ranks).
            var r = v == double.NegativeInfinity ? -1 : FirstHolding(copy, v);
            _load[t + k] = r >= 0 ? row[r] : v;
            _rank[t + k] = r;
            if (r >= 0) copy[r] = double.NegativeInfinity;
        }
    }

    /// <summary>
    /// The first index of <paramref name="padded"/> (whole SIMD widths) holding <paramref name="v"/>, or −1: what
    /// <c>IndexOf</c> finds for finite loads, a width at a time (the library's <c>IndexOf</c> compares doubles one by one,
    /// NaN being equal to itself there, and was most of a rescan's cost: a G=128 online call of 437 exchanges rescanned
    /// rows 666 times, 228 µs in all).
    /// </summary>
    private static int FirstHolding(ReadOnlySpan<double> padded, double v)
    {
        var width = Vector<double>.Count;
        var target = new Vector<double>(v);
        for (var l = 0; l < padded.Length; l += width)
        {
            var equal = Vector.Equals(new Vector<double>(padded.Slice(l, width)), target);
            if (equal == Vector<long>.Zero) continue;
            for (var k = 0; k < width; k++)
                if (equal[k] != 0) return l + k;
        }
        return -1;
    }

    private void RescanRow(ReadOnlySpan<double> loads, int h)
    {
        double v1 = double.NegativeInfinity, v2 = double.NegativeInfinity, v3 = double.NegativeInfinity;
        int r1 = -1, r2 = -1, r3 = -1;
        for (var g = 0; g < _ranks; g++)
        {
            var v = loads[g * _rows + h];
            if (v > v1) { v3 = v2; r3 = r2; v2 = v1; r2 = r1; v1 = v; r1 = g; }
            else if (v > v2) { v3 = v2; r3 = r2; v2 = v; r2 = g; }
            else if (v > v3) { v3 = v; r3 = g; }
        }
        var t = 3 * h;
        _load[t] = v1; _load[t + 1] = v2; _load[t + 2] = v3;
        _rank[t] = r1; _rank[t + 1] = r2; _rank[t + 2] = r3;
    }
}
