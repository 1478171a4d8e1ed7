using System.Numerics;

namespace Scheduler.Core.Policies;

/// <summary>
/// The reference BF-IO score of adding prompt mass S to one rank (SPEC §3 step 3):
/// F(S) = Σ_t γ^t (α·S − β·max(0, S − m_t)) with margins m_t = max(0, Mx[t] − P[t,g]).
/// Built once per (rank, projection) and queried per candidate in O(log T); evaluated in the
/// reference's own order (stable sort, prefix sums) so ties break the same way.
/// </summary>
internal sealed class MarginScore
{
    private double[] _decay = [];
    private double[] _sortedMargins = [];
    private double[] _prefixWeight = [];
    private double[] _prefixWeightMargin = [];
    private int[] _order = [];
    private double[] _margins = [];
    private long[] _keys = [];
    private int _length;
    private double _alphaTotal;

    /// <summary>floor(min_t m_t): the largest mass that overflows no future envelope.</summary>
    public long SafeBound { get; private set; }

    public void Build(ReadOnlySpan<double> column, ReadOnlySpan<double> envelope)
    {
        ComputeMargins(column, envelope);
        FinishBuild();
    }

    private void ComputeMargins(ReadOnlySpan<double> column, ReadOnlySpan<double> envelope)
    {
        var len = column.Length;
        EnsureCapacity(len);
        _length = len;
        for (var t = 0; t < len; t++)
        {
            var m = envelope[t] - column[t];
            _margins[t] = m > 0.0 ? m : 0.0;
        }
    }

    /// <summary>
    /// The greedy phase's pick for one rank, fast: <see cref="ArgMax"/>'s answer without sorting the margins.
    /// F is concave in S (a sum of concave pieces), and its slope just below S is αD − β·W(S), W(S) the weight of
    /// the margins below S. So the candidates where that slope is negative come after the best one, and a binary
    /// search on its sign finds the peak; the best is the last candidate size before it or the first at it, the
    /// runner-up one of those or their next neighbours: four sizes decide. Each probe and each F is one vector pass
    /// over the rows, summed in row order instead of the reference's sorted order, which moves each value by far
    /// less than 1e-12 of its magnitude. When a probe's slope or the gap between the best and the runner-up is
    /// within that bound the exact path runs instead. Returns the index into <paramref name="sortedCandidates"/>,
    /// or -1 when empty.
    /// </summary>
    public int ArgMaxFast(ReadOnlySpan<double> column, ReadOnlySpan<double> envelope, ReadOnlySpan<long> sortedCandidates)
    {
        if (sortedCandidates.Length == 0) return -1;
        var len = column.Length;
        var largest = (double)(sortedCandidates[^1] >> 32);
        if (len > 0 && largest > 0 && TryPickAtPeak(column, envelope, sortedCandidates, largest, out var pick)) return pick;
        ExactFallbacks++;
        ComputeMargins(column, envelope);
        FinishBuild();
        return ArgMax(sortedCandidates);
    }

    /// <summary>How often <see cref="ArgMaxFast"/> could not decide and ran the exact path (for tests).</summary>
    internal int ExactFallbacks { get; private set; }

    private bool TryPickAtPeak(ReadOnlySpan<double> column, ReadOnlySpan<double> envelope, ReadOnlySpan<long> candidates,
        double largest, out int pick)
    {
        pick = -1;
        PrepareFast(column, envelope);
        var beta = ReferenceConstants.BfioBeta;
        var alphaTotal = _fastAlphaTotal;
        var bound = FastRoundingBound(largest);
        var slopeTolerance = 1e-9 * (alphaTotal + beta * _fastTotal);

        // First candidate whose slope just below it is negative: every later one scores lower than it. Up to the
        // smallest margin nothing overflows (the slope is αD > 0); past the ceiling it is surely negative.
        int lo = FirstHeavierThan(candidates, _fastMinMargin), hi = FirstHeavierThan(candidates, _fastCeiling);
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            var slope = alphaTotal - beta * WeightBelow((double)(candidates[mid] >> 32));
            if (Math.Abs(slope) <= slopeTolerance) return false;
            if (slope < 0) hi = mid; else lo = mid + 1;
        }

        Span<int> groups = stackalloc int[4];
        var count = 0;
        // Up to two sizes before it: each group's first entry is its earliest in queue order.
        var at = lo - 1;
        for (var k = 0; k < 2 && at >= 0; k++)
        {
            var mass = candidates[at] >> 32;
            while (at > 0 && candidates[at - 1] >> 32 == mass) at--;
            groups[count++] = at;
            at--;
        }
        // Up to two sizes from it on.
        at = lo;
        for (var k = 0; k < 2 && at < candidates.Length; k++)
        {
            groups[count++] = at;
            var mass = candidates[at] >> 32;
            while (at < candidates.Length && candidates[at] >> 32 == mass) at++;
        }

        Span<double> scores = stackalloc double[4];
        for (var k = 0; k < 4; k++) scores[k] = k < count ? candidates[groups[k]] >> 32 : 0.0;
        EvaluateFast4(scores);
        var best = -1;
        double bestScore = double.NegativeInfinity, runnerUp = double.NegativeInfinity;
        for (var k = 0; k < count; k++)
        {
            var f = scores[k];
            if (f > bestScore)
            {
                runnerUp = bestScore;
                bestScore = f;
                best = groups[k];
            }
            else if (f > runnerUp) runnerUp = f;
        }
        if (bestScore - runnerUp <= 2 * bound) return false;
        pick = best;
        return true;
    }

    private static int FirstHeavierThan(ReadOnlySpan<long> candidates, double mass)
    {
        int lo = 0, hi = candidates.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (candidates[mid] >> 32 <= mass) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private int _fastPadded;
    private double _fastMinMargin;
    private double _fastCeiling;
    // These depend on the number of rows only, so they are computed once per length (_rowsFor):
    private int _rowsFor = -1;
    private double _fastTotal;      // D = Σ_t γ^t, summed in row order
    private double _fastAlphaTotal; // αD
    private int _ceilingRows;       // leading rows whose own weight exceeds αD/β (see PrepareFast)

    /// <summary>
    /// The fast form (<see cref="EvaluateFast"/>): margins in row order, padded to whole vectors, and
    /// <see cref="SafeBound"/>. <see cref="Evaluate"/> needs <see cref="Build"/> again after it. The vector passes use
    /// the hardware's max and min (MaxNative): loads are finite token counts and a margin is never −0, so the
    /// IEEE rules for NaN and signed zeros that Vector.Max pays three instructions for never apply.
    /// </summary>
    public void PrepareFast(ReadOnlySpan<double> column, ReadOnlySpan<double> envelope)
    {
        var len = column.Length;
        EnsureCapacity(len);
        _length = len;
        var width = Vector<double>.Count;
        var padded = (len + width - 1) / width * width;
        _fastPadded = padded;
        var margins = _margins.AsSpan(0, padded);
        var min = double.PositiveInfinity;
        var t = 0;
        if (len >= width)
        {
            var mins = new Vector<double>(double.PositiveInfinity);
            for (; t + width <= len; t += width)
            {
                var m = Vector.MaxNative(new Vector<double>(envelope[t..]) - new Vector<double>(column[t..]), Vector<double>.Zero);
                m.CopyTo(margins[t..]);
                mins = Vector.MinNative(mins, m);
            }
            for (var i = 0; i < width; i++) min = Math.Min(min, mins[i]);
        }
        for (; t < len; t++)
        {
            var m = envelope[t] - column[t];
            m = m > 0.0 ? m : 0.0;
            margins[t] = m;
            if (m < min) min = m;
        }
        // Rows past the end get an infinite margin: never below any S, so they weigh nothing.
        margins[len..].Fill(double.PositiveInfinity);
        _fastMinMargin = min;
        SafeBound = len == 0 ? 0 : (long)Math.Floor(min);

        // A row whose own weight exceeds αD/β turns the slope negative once S passes its margin, so the peak lies
        // at or below the smallest such margin. Such rows lead (weights fall with t); rows within rounding of the
        // threshold are left out, which only widens the search.
        if (_rowsFor != len)
        {
            var total = 0.0;
            for (var r = 0; r < len; r++) total += _decay[r];
            _fastTotal = total;
            _fastAlphaTotal = ReferenceConstants.BfioAlpha * total;
            var tolerance = 1e-9 * (_fastAlphaTotal + ReferenceConstants.BfioBeta * total);
            var rows = 0;
            while (rows < len && _decay[rows] * ReferenceConstants.BfioBeta - _fastAlphaTotal > tolerance) rows++;
            _ceilingRows = rows;
            _rowsFor = len;
        }
        var ceiling = double.PositiveInfinity;
        for (var r = 0; r < _ceilingRows; r++)
            if (margins[r] < ceiling) ceiling = margins[r];
        _fastCeiling = ceiling;
    }

    /// <summary>F(S) from the fast form: within <see cref="FastRoundingBound"/> of <see cref="Evaluate"/>.</summary>
    public double EvaluateFast(long mass) => Score(mass, Overflow(mass));

    /// <summary>
    /// <see cref="EvaluateFast"/> of four masses in one pass over the rows, in place: the greedy pick's four sizes.
    /// Each value is the same as <see cref="EvaluateFast"/>'s: the same terms, summed in the same order.
    /// </summary>
    private void EvaluateFast4(Span<double> masses)
    {
        var width = Vector<double>.Count;
        Vector<double> s0 = new(masses[0]), s1 = new(masses[1]), s2 = new(masses[2]), s3 = new(masses[3]);
        Vector<double> a0 = Vector<double>.Zero, a1 = a0, a2 = a0, a3 = a0;
        for (var t = 0; t < _fastPadded; t += width)
        {
            var m = new Vector<double>(_margins, t);
            var w = new Vector<double>(_decay, t);
            a0 += Vector.MaxNative(s0 - m, Vector<double>.Zero) * w;
            a1 += Vector.MaxNative(s1 - m, Vector<double>.Zero) * w;
            a2 += Vector.MaxNative(s2 - m, Vector<double>.Zero) * w;
            a3 += Vector.MaxNative(s3 - m, Vector<double>.Zero) * w;
        }
        masses[0] = Score(masses[0], a0);
        masses[1] = Score(masses[1], a1);
        masses[2] = Score(masses[2], a2);
        masses[3] = Score(masses[3], a3);
    }

    private double Score(double mass, Vector<double> overflow) =>
        mass <= 0 || _length == 0 ? 0.0 : _fastAlphaTotal * mass - ReferenceConstants.BfioBeta * Vector.Sum(overflow);

    /// <summary>
    /// How far <see cref="EvaluateFast"/> may be from <see cref="Evaluate"/> for masses up to <paramref name="mass"/>:
    /// every term of F is at most α·D·S + β·(S·D + D·S), and summing up to a few hundred terms in another order
    /// moves the result by far less than 1e-12 of that.
    /// </summary>
    public double FastRoundingBound(double mass) =>
        1e-12 * (_fastAlphaTotal * mass + ReferenceConstants.BfioBeta * 2 * _fastTotal * mass + 1.0);

    /// <summary>W(S): the summed weight of the rows whose margin is below <paramref name="s"/>.</summary>
    private double WeightBelow(double s)
    {
        var padded = _fastPadded;
        var width = Vector<double>.Count;
        var bound = new Vector<double>(s);
        var sum = Vector<double>.Zero;
        for (var t = 0; t < padded; t += width)
        {
            var m = new Vector<double>(_margins, t);
            sum += Vector.ConditionalSelect(Vector.LessThan(m, bound), new Vector<double>(_decay, t), Vector<double>.Zero);
        }
        return Vector.Sum(sum);
    }

    /// <summary>Σ_t γ^t·max(0, S − m_t) by lanes: the weighted overflow of mass S over the margins, unsummed.</summary>
    private Vector<double> Overflow(double s)
    {
        var width = Vector<double>.Count;
        var mass = new Vector<double>(s);
        var sum = Vector<double>.Zero;
        for (var t = 0; t < _fastPadded; t += width)
            sum += Vector.MaxNative(mass - new Vector<double>(_margins, t), Vector<double>.Zero) * new Vector<double>(_decay, t);
        return sum;
    }

    private void FinishBuild()
    {
        var len = _length;
        SortStable(len);
        double pw = 0.0, pwm = 0.0;
        _prefixWeight[0] = 0.0;
        _prefixWeightMargin[0] = 0.0;
        for (var i = 0; i < len; i++)
        {
            var t = _order[i];
            var m = _margins[t];
            var d = _decay[t];
            _sortedMargins[i] = m;
            pw += d;
            pwm += d * m;
            _prefixWeight[i + 1] = pw;
            _prefixWeightMargin[i + 1] = pwm;
        }
        _alphaTotal = ReferenceConstants.BfioAlpha * _prefixWeight[len];
        SafeBound = len == 0 ? 0 : (long)Math.Floor(_sortedMargins[0]);
    }

    public double Evaluate(long mass)
    {
        if (mass <= 0 || _length == 0) return 0.0;
        var s = (double)mass;
        // Number of margins strictly below S (bisect_left).
        int lo = 0, hi = _length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_sortedMargins[mid] < s) lo = mid + 1; else hi = mid;
        }
        if (lo == 0) return _alphaTotal * s;
        return _alphaTotal * s - ReferenceConstants.BfioBeta * (s * _prefixWeight[lo] - _prefixWeightMargin[lo]);
    }

    /// <summary>
    /// Orders row indices by margin, equal margins by row (a stable sort, as the reference's merge sort).
    /// Loads only change at departures, so margins come in runs of equal values over consecutive rows;
    /// sorting the runs by (margin, first row) and expanding them gives the stable order from far fewer
    /// keys. Margins are integer-valued token counts; anything else falls back to insertion sort.
    /// </summary>
    private void SortStable(int len)
    {
        var runs = 0;
        var packable = len <= 1 << 16;
        for (var t = 0; t < len && packable; t++)
        {
            var m = _margins[t];
            if (t > 0 && m == _margins[t - 1]) continue;
            packable = m < 1L << 46 && m == Math.Floor(m);
            _keys[runs++] = ((long)m << 16) | (long)t;
        }
        if (packable)
        {
            var keys = _keys.AsSpan(0, runs);
            // Few keys: insertion sort beats the general-purpose sort here.
            for (var a = 1; a < runs; a++)
            {
                var key = keys[a];
                var b = a - 1;
                while (b >= 0 && keys[b] > key)
                {
                    keys[b + 1] = keys[b];
                    b--;
                }
                keys[b + 1] = key;
            }
            var i = 0;
            foreach (var key in keys)
            {
                var start = (int)(key & 0xFFFF);
                var m = _margins[start];
                for (var t = start; t < len && _margins[t] == m; t++) _order[i++] = t;
            }
            return;
        }
        for (var t = 0; t < len; t++) _order[t] = t;
        for (var i = 1; i < len; i++)
        {
            var idx = _order[i];
            var key = _margins[idx];
            var j = i - 1;
            while (j >= 0 && _margins[_order[j]] > key)
            {
                _order[j + 1] = _order[j];
                j--;
            }
            _order[j + 1] = idx;
        }
    }

    /// <summary>
    /// The candidate with the strictly largest F, the earliest on ties. Candidates are packed
    /// (size &lt;&lt; 32 | position) and sorted ascending, so one merge walk against the sorted margins
    /// replaces a binary search per candidate; F per size is computed exactly as <see cref="Evaluate"/> does.
    /// Returns the index into <paramref name="sortedCandidates"/>, or -1 when empty.
    /// </summary>
    public int ArgMax(ReadOnlySpan<long> sortedCandidates)
    {
        var best = -1;
        var bestScore = double.NegativeInfinity;
        var bestPosition = long.MaxValue;
        var j = 0;
        for (var i = 0; i < sortedCandidates.Length; i++)
        {
            var packed = sortedCandidates[i];
            var mass = packed >> 32;
            var position = packed & 0xFFFFFFFFL;
            var s = (double)mass;
            while (j < _length && _sortedMargins[j] < s) j++;
            var f = mass <= 0 || _length == 0 ? 0.0
                : j == 0 ? _alphaTotal * s
                : _alphaTotal * s - ReferenceConstants.BfioBeta * (s * _prefixWeight[j] - _prefixWeightMargin[j]);
            if (f > bestScore || (f == bestScore && position < bestPosition))
            {
                bestScore = f;
                best = i;
                bestPosition = position;
            }
        }
        return best;
    }

    private void EnsureCapacity(int len)
    {
        var width = Vector<double>.Count;
        var needed = (len + width - 1) / width * width; // whole vectors: the fast path reads rows in blocks
        if (_decay.Length >= needed) return;
        var size = Math.Max(needed, 2 * _decay.Length);
        _decay = new double[size];
        for (var t = 0; t < size; t++) _decay[t] = Math.Pow(ReferenceConstants.BfioDecay, t);
        _sortedMargins = new double[size];
        _prefixWeight = new double[size + 1];
        _prefixWeightMargin = new double[size + 1];
        _order = new int[size];
        _margins = new double[size];
        _keys = new long[size];
    }
}
