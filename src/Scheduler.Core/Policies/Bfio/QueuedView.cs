using System.Numerics;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// The candidates a placement leaves queued, in value order (descending, ties by index), as the exchange search's
/// replacement scans read them, with their values and profiles laid out for SIMD ([h·stride + q], padded with zeros to the
/// SIMD width): a scan neither walks past the admitted candidates nor gathers profiles. Rebuilt from the full value order
/// once the assignment changed (<see cref="MarkStale"/>); a replacement (one candidate admitted, another queued again)
/// moves it in place instead (<see cref="Trade"/>), to what a rebuild would make.
/// </summary>
internal sealed class QueuedView
{
    private int[] _ids = [];
    private double[] _soa = [];     // [h·stride + q]: the profile of the q-th queued candidate
    private double[] _values = [];  // [q]: its value
    private int _length;
    private int _rows;
    private int _stride;

    /// <summary>Room for <paramref name="candidates"/> candidates on <paramref name="rows"/> rows at a pitch of
    /// <paramref name="stride"/> (candidates padded to the SIMD width).</summary>
    public void Reserve(int rows, int stride, int candidates)
    {
        Buffers.Ensure(ref _ids, candidates);
        Buffers.Ensure(ref _soa, rows * stride);
        Buffers.Ensure(ref _values, stride);
    }

    /// <summary>Whether the assignment changed since the view was last made (<see cref="Refresh"/> then rebuilds it).</summary>
    public bool Stale { get; private set; } = true;

    public void MarkStale() => Stale = true;

    /// <summary>The candidates queued are still those the view holds (a move or a swap changed only where admitted
    /// candidates stand): it stays current.</summary>
    public void StillCurrent() => Stale = false;

    /// <summary>The queued candidates, in value order.</summary>
    public ReadOnlySpan<int> Ids => _ids.AsSpan(0, _length);

    public int Length => _length;

    /// <summary>The queued candidates' values from the q-th on, in view order, then zeros up to a SIMD width past the last.</summary>
    public ReadOnlySpan<double> Values(int from, int length) => _values.AsSpan(from, length);

    /// <summary>Row h of the queued candidates' profiles, in view order, over <paramref name="lanes"/> entries (zeros past
    /// the last, up to its SIMD width).</summary>
    public ReadOnlySpan<double> Profiles(int h, int lanes) => _soa.AsSpan(h * _stride, lanes);

    /// <summary>
    /// If stale, the view made again: the candidates of <paramref name="byValue"/> whose rank in <paramref name="rankOf"/> is
    /// −1, their <paramref name="values"/> and their rows of <paramref name="profiles"/> ([h·stride + i]).
    /// </summary>
    public void Refresh(ReadOnlySpan<int> byValue, ReadOnlySpan<int> rankOf, ReadOnlySpan<double> values,
        ReadOnlySpan<double> profiles, int rows, int stride)
    {
        if (!Stale) return;
        _rows = rows;
        _stride = stride;
        // Without a branch: each candidate is written at the end, which moves on only past a queued one (its rank −1 has
        // the sign bit), so the view costs the same whatever the order of admitted and queued candidates.
        var length = 0;
        var view = _ids.AsSpan(0, byValue.Length);
        foreach (var j in byValue)
        {
            view[length] = j;
            length += (int)((uint)rankOf[j] >> 31);
        }
        _length = length;
        Stale = false;
        var padded = (length + Vector<double>.Count - 1) / Vector<double>.Count * Vector<double>.Count;
        for (var q = 0; q < length; q++) _values[q] = values[view[q]];
        _values.AsSpan(length, padded - length).Clear();
        for (var h = 0; h < rows; h++)
        {
            var row = _soa.AsSpan(h * stride, padded);
            var profile = profiles.Slice(h * stride, stride);
            for (var q = 0; q < length; q++) row[q] = profile[view[q]];
            row[length..].Clear();
        }
    }

    /// <summary>
    /// A replacement: <paramref name="admitted"/> leaves the view and <paramref name="returned"/> comes back to it at its
    /// place in value order (<paramref name="valuePlace"/>: each candidate's place in the full order); the entries between
    /// the two places move up or down by one, their profiles with them. The view is then what a rebuild would make, and
    /// current.
    /// </summary>
    public void Trade(int admitted, int returned, ReadOnlySpan<int> valuePlace, ReadOnlySpan<double> values,
        ReadOnlySpan<double> profiles)
    {
        var length = _length;
        var view = _ids.AsSpan(0, length);
        var from = view.IndexOf(admitted);
        // The returned candidate's place among the others: how many of them come before it in value order. The view is in
        // value order (places ascending): the entries placed before it, by bisection, less the admitted one's if it is
        // among them.
        var place = valuePlace[returned];
        int lo = 0, hi = length;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (valuePlace[view[mid]] < place) lo = mid + 1;
            else hi = mid;
        }
        var to = lo - (from < lo ? 1 : 0);
        MoveEntry(view, from, to);
        view[to] = returned;
        var kept = _values.AsSpan(0, length);
        MoveEntry(kept, from, to);
        kept[to] = values[returned];
        for (var h = 0; h < _rows; h++)
        {
            var row = _soa.AsSpan(h * _stride, length);
            MoveEntry(row, from, to);
            row[to] = profiles[h * _stride + returned];
        }
        Stale = false;
    }

    /// <summary>Closes the gap at <paramref name="from"/> and opens one at <paramref name="to"/>, the entries between them moving by one.</summary>
    private static void MoveEntry<T>(Span<T> span, int from, int to)
    {
        if (to > from) span.Slice(from + 1, to - from).CopyTo(span.Slice(from, to - from));
        else if (to < from) span.Slice(to, from - to).CopyTo(span.Slice(to + 1, from - to));
    }
}
