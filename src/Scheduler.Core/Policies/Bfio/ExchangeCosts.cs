using System.Numerics;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// What an exchange of one admitted candidate i, leaving its rank g, does to the max term Σ_h w_h max_g L_g(h): for each
/// row the weight, the maximum now, rank g's load without i, i's load, and the envelope without g (the largest load of the
/// other ranks, the rank holding it, and the next one without that rank too), read once from the rows' leaders
/// (<see cref="Prepare"/>). Every exchange of i then costs a few operations per row, whatever it is, and many at once
/// (SIMD over partners):
/// <list type="bullet">
/// <item>a replacement by a queued candidate j: max' = max(env, L_g − a_i + a_j);</item>
/// <item>a move to rank g2: max' = max(env without g2, L_g − a_i, L_g2 + a_i);</item>
/// <item>a swap with candidate j on rank g2: max' = max(env without g2, L_g − a_i + a_j, L_g2 − a_j + a_i).</item>
/// </list>
/// Each cost is Σ_h w_h (max' − max); the objective changes by G times it, less the value the exchange gains.
/// </summary>
internal sealed class ExchangeCosts
{
    private double[] _weight = [], _top = [], _rest = [], _out = [], _env = [], _env2 = [];
    private int[] _envRank = [];
    private int _rows;

    /// <summary>Room for <paramref name="rows"/> rows.</summary>
    public void Reserve(int rows)
    {
        Buffers.Ensure(ref _weight, rows);
        Buffers.Ensure(ref _top, rows);
        Buffers.Ensure(ref _rest, rows);
        Buffers.Ensure(ref _out, rows);
        Buffers.Ensure(ref _env, rows);
        Buffers.Ensure(ref _env2, rows);
        Buffers.Ensure(ref _envRank, rows);
    }

    /// <summary>
    /// Candidate i, of profile <paramref name="profile"/> (a_i(h)), leaving rank <paramref name="g"/>, whose loads are
    /// <paramref name="column"/> (L_g(h), i included), under the rows' <paramref name="leaders"/>: what every exchange of i
    /// is costed with.
    /// </summary>
    public void Prepare(RowLeaders leaders, ReadOnlySpan<double> weights, ReadOnlySpan<double> column, ReadOnlySpan<double> profile,
        int g, int rows)
    {
        PrepareReplacements(leaders, weights, column, profile, g, rows);
        for (var h = 0; h < rows; h++)
        {
            _out[h] = profile[h];
            // The rank holding the envelope without g, and the envelope without g and that rank too.
            var k = leaders.Rank(h, 0) == g ? 1 : 0;
            _envRank[h] = leaders.Rank(h, k);
            var k2 = k + 1;
            if (k2 < 3 && leaders.Rank(h, k2) == g) k2++;
            _env2[h] = k2 < 3 ? leaders.Load(h, k2) : double.NegativeInfinity;
        }
    }

    /// <summary><see cref="Prepare"/>, only what replacements read: moves and swaps also need i's load on its own and the
    /// envelope without a second rank (left as they were).</summary>
    public void PrepareReplacements(RowLeaders leaders, ReadOnlySpan<double> weights, ReadOnlySpan<double> column,
        ReadOnlySpan<double> profile, int g, int rows)
    {
        _rows = rows;
        for (var h = 0; h < rows; h++)
        {
            _weight[h] = weights[h];
            _top[h] = leaders.Max(h);
            _rest[h] = column[h] - profile[h];
            _env[h] = leaders.Load(h, leaders.Rank(h, 0) == g ? 1 : 0);
        }
    }

    /// <summary>
    /// [q] = Σ_h w_h (max' − max) if the q-th candidate of <paramref name="queued"/> replaces i, over its first
    /// <paramref name="lanes"/> entries (whole SIMD widths; past its last candidate the profiles are zeros).
    /// </summary>
    public void Replacements(QueuedView queued, Span<double> accumulator, int lanes)
    {
        var width = Vector<double>.Count;
        var acc = accumulator[..lanes];
        acc.Clear();
        for (var h = 0; h < _rows; h++)
        {
            var w = new Vector<double>(_weight[h]);
            var env = new Vector<double>(_env[h]);
            var rest = new Vector<double>(_rest[h]);
            var top = new Vector<double>(_top[h]);
            var profile = queued.Profiles(h, lanes);
            for (var q = 0; q < lanes; q += width)
            {
                var max = Vector.MaxNative(env, rest + new Vector<double>(profile.Slice(q, width)));
                (new Vector<double>(acc.Slice(q, width)) + w * (max - top)).CopyTo(acc.Slice(q, width));
            }
        }
    }

    /// <summary>
    /// The replacement of i by a candidate of profile <paramref name="profile"/>, one row at a time, where every row's term
    /// is ≥ 0 (i's rank holds no maximum alone): G times the cost, or +∞ as soon as G times the partial sum reaches
    /// <paramref name="limit"/>, when it cannot beat the best.
    /// </summary>
    public double ReplacementBelow(ReadOnlySpan<double> profile, double ranks, double limit)
    {
        var delta = 0.0;
        for (var h = 0; h < _rows; h++)
        {
            var max = Math.Max(_env[h], _rest[h] + profile[h]);
            delta += _weight[h] * (max - _top[h]);
            if (ranks * delta >= limit) return double.PositiveInfinity;
        }
        return ranks * delta;
    }

    /// <summary>
    /// [lane] = Σ_h w_h (max' − max) if i trades ranks with the candidate of that lane: <paramref name="profiles"/> and
    /// <paramref name="loads"/> (its rank's loads) row-major with a pitch of <paramref name="pitch"/>,
    /// <paramref name="ranks"/> its rank. A lane of profile 0 on every row prices a move to its rank.
    /// </summary>
    public void Swaps(ReadOnlySpan<double> profiles, ReadOnlySpan<double> loads, ReadOnlySpan<double> ranks, Span<double> accumulator,
        int lanes, int pitch)
    {
        var width = Vector<double>.Count;
        var acc = accumulator[..lanes];
        acc.Clear();
        var rankLanes = ranks[..lanes];
        for (var h = 0; h < _rows; h++)
        {
            var w = new Vector<double>(_weight[h]);
            var env = new Vector<double>(_env[h]);
            var env2 = new Vector<double>(_env2[h]);
            var envRank = new Vector<double>(_envRank[h]);
            var rest = new Vector<double>(_rest[h]);
            var outLoad = new Vector<double>(_out[h]);
            var top = new Vector<double>(_top[h]);
            var profile = profiles.Slice(h * pitch, lanes);
            var load = loads.Slice(h * pitch, lanes);
            for (var j = 0; j < lanes; j += width)
            {
                var a = new Vector<double>(profile.Slice(j, width));
                var partner = Vector.ConditionalSelect(Vector.Equals(new Vector<double>(rankLanes.Slice(j, width)), envRank), env2, env);
                var max = Vector.MaxNative(partner, Vector.MaxNative(rest + a, new Vector<double>(load.Slice(j, width)) - a + outLoad));
                (new Vector<double>(acc.Slice(j, width)) + w * (max - top)).CopyTo(acc.Slice(j, width));
            }
        }
    }

    /// <summary>Σ_h w_h (max' − max) if i moves to rank <paramref name="g2"/>, whose loads are <paramref name="column"/>.</summary>
    public double Move(int g2, ReadOnlySpan<double> column)
    {
        var delta = 0.0;
        for (var h = 0; h < _rows; h++)
        {
            var env = _envRank[h] == g2 ? _env2[h] : _env[h];
            var max = Math.Max(env, Math.Max(_rest[h], column[h] + _out[h]));
            delta += _weight[h] * (max - _top[h]);
        }
        return delta;
    }
}
