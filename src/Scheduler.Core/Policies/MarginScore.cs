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
    private long[] _ordered = [];
    private double[] _runWeight = [];
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
    /// The greedy phase's pick for one rank, fast: <see cref="ArgMax"/>'s answer without the full stable sort.
    /// F is evaluated with sums in row order instead of the reference's sorted order, which moves each value
    /// by far less than 1e-12 of its magnitude; when the best and the runner-up (of a different size) are
    /// further apart than twice that bound the pick is provably the exact one, otherwise the exact path runs.
    /// Returns the index into <paramref name="sortedCandidates"/>, or -1 when empty.
    /// </summary>
    public int ArgMaxFast(ReadOnlySpan<double> column, ReadOnlySpan<double> envelope, ReadOnlySpan<long> sortedCandidates)
    {
        if (sortedCandidates.Length == 0) return -1;
        var len = column.Length;
        var largest = (double)(sortedCandidates[^1] >> 32);
        if (len == 0 || largest <= 0 || len > 1 << 16)
        {
            ComputeMargins(column, envelope);
            FinishBuild();
            return ArgMax(sortedCandidates);
        }
        EnsureCapacity(len);
        _length = len;

        // One pass: margins, and runs of equal margins over consecutive rows (loads change only at departures),
        // each run carrying its summed weight. Only margins below the largest candidate ever overflow.
        var total = 0.0;
        var runs = 0;
        var integral = true;
        var runStart = 0;
        var runMargin = 0.0;
        var runWeight = 0.0;
        for (var t = 0; t < len; t++)
        {
            var m = envelope[t] - column[t];
            if (!(m > 0.0)) m = 0.0;
            _margins[t] = m;
            if (t == 0 || m != runMargin)
            {
                if (t > 0) CloseRun(runStart, runMargin, runWeight, largest, ref total, ref runs);
                runStart = t;
                runMargin = m;
                runWeight = 0.0;
                integral &= m < 1L << 46 && m == Math.Floor(m);
            }
            runWeight += _decay[t];
        }
        CloseRun(runStart, runMargin, runWeight, largest, ref total, ref runs);
        if (!integral)
        {
            FinishBuild();
            return ArgMax(sortedCandidates);
        }

        var alphaTotal = ReferenceConstants.BfioAlpha * total;
        // |F| terms are at most α·D·S + β·(S·D + D·S): a bound on every candidate's rounding either way.
        var bound = 1e-12 * (alphaTotal * largest + ReferenceConstants.BfioBeta * 2 * total * largest + 1.0);
        if (TryPickAtPeak(runs, alphaTotal, total, bound, sortedCandidates, out var atPeak)) return atPeak;

        // The full walk reads runs smallest margin first: a heap orders them as they are read.
        _heapCount = runs;
        _orderedCount = 0;
        for (var i = runs / 2 - 1; i >= 0; i--) SiftDown(i);

        int best = -1;
        long bestMass = -1, bestPosition = long.MaxValue;
        double bestScore = double.NegativeInfinity, runnerUp = double.NegativeInfinity;
        double pw = 0.0, pwm = 0.0;
        var j = 0;
        for (var c = 0; c < sortedCandidates.Length; c++)
        {
            var packed = sortedCandidates[c];
            var mass = packed >> 32;
            var position = packed & 0xFFFFFFFFL;
            var s = (double)mass;
            while (j < runs && (OrderedRun(j) >> 16) < mass)
            {
                var start = (int)(OrderedRun(j) & 0xFFFF);
                var w = _runWeight[start];
                pw += w;
                pwm += w * _margins[start];
                j++;
            }
            var f = mass <= 0 ? 0.0 : j == 0 ? alphaTotal * s : alphaTotal * s - ReferenceConstants.BfioBeta * (s * pw - pwm);
            if (mass == bestMass)
            {
                if (f > bestScore || (f == bestScore && position < bestPosition)) { bestScore = f; best = c; bestPosition = position; }
            }
            else if (f > bestScore || (f == bestScore && position < bestPosition))
            {
                runnerUp = bestScore;
                bestScore = f;
                best = c;
                bestMass = mass;
                bestPosition = position;
            }
            else if (f > runnerUp) runnerUp = f;
        }

        if (bestScore - runnerUp > 2 * bound) return best;
        FinishBuild();
        return ArgMax(sortedCandidates);
    }

    /// <summary>
    /// F is concave in S (a sum of concave pieces): it rises while the weight of margins below S stays under
    /// αD/β and falls after. So the best candidate has the largest size at or below the peak or the smallest
    /// above it, and the runner-up is one of those or their next neighbours: four sizes decide, not all of
    /// them. Gives up (false) when the peak's slope is within rounding of zero or the winner is not clear.
    /// </summary>
    private bool TryPickAtPeak(int runs, double alphaTotal, double total, double bound,
        ReadOnlySpan<long> candidates, out int pick)
    {
        pick = -1;
        var beta = ReferenceConstants.BfioBeta;
        var slopeTolerance = 1e-9 * (alphaTotal + beta * total);

        // Past the margin of any single row whose weight exceeds αD/β the slope is negative, so the peak lies at
        // or below the smallest such margin: only runs up to it need ordering (usually a handful).
        var ceiling = double.PositiveInfinity;
        for (var t = 0; t < _length && _decay[t] * beta > alphaTotal; t++)
            if (_margins[t] < ceiling) ceiling = _margins[t];
        var small = 0;
        for (var i = 0; i < runs; i++)
            if (_keys[i] >> 16 <= ceiling) _ordered[small++] = _keys[i];
        for (var i = 1; i < small; i++)
        {
            var key = _ordered[i];
            var j = i - 1;
            while (j >= 0 && _ordered[j] > key) { _ordered[j + 1] = _ordered[j]; j--; }
            _ordered[j + 1] = key;
        }

        var peak = long.MaxValue;
        var through = 0.0;
        for (var j = 0; j < small; j++)
        {
            var key = _ordered[j];
            through += _runWeight[(int)(key & 0xFFFF)];
            var margin = key >> 16;
            if (j + 1 < small && _ordered[j + 1] >> 16 == margin) continue;
            var slopeAfter = alphaTotal - beta * through;
            if (Math.Abs(slopeAfter) <= slopeTolerance) return false;
            if (slopeAfter < 0) { peak = margin; break; }
        }
        // No turn among the ordered runs: F rises over every candidate only if no run was left out above the
        // ceiling (a left-out run would hold the turn, so not finding it means rounding got in the way).
        if (peak == long.MaxValue && small < runs) return false;

        // First candidate heavier than the peak.
        int lo = 0, hi = candidates.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (candidates[mid] >> 32 <= peak) lo = mid + 1; else hi = mid;
        }
        Span<int> groups = stackalloc int[4];
        var count = 0;
        // Up to two sizes at or below the peak: each group's first entry is its earliest in queue order.
        var at = lo - 1;
        for (var k = 0; k < 2 && at >= 0; k++)
        {
            var mass = candidates[at] >> 32;
            while (at > 0 && candidates[at - 1] >> 32 == mass) at--;
            groups[count++] = at;
            at--;
        }
        // Up to two sizes above it.
        at = lo;
        for (var k = 0; k < 2 && at < candidates.Length; k++)
        {
            groups[count++] = at;
            var mass = candidates[at] >> 32;
            while (at < candidates.Length && candidates[at] >> 32 == mass) at++;
        }
        if (count == 0) return false;

        var best = -1;
        double bestScore = double.NegativeInfinity, runnerUp = double.NegativeInfinity;
        for (var k = 0; k < count; k++)
        {
            var mass = candidates[groups[k]] >> 32;
            var s = (double)mass;
            // Sums in any order: the rounding bound covers it. Below the ceiling the ordered runs hold every
            // margin that counts, so the walk stops early; above it every run is scanned.
            double pw = 0.0, pwm = 0.0;
            var below = 0;
            if (mass <= ceiling || small == runs)
            {
                for (var j = 0; j < small; j++)
                {
                    var key = _ordered[j];
                    if (key >> 16 >= mass) break;
                    var start = (int)(key & 0xFFFF);
                    var w = _runWeight[start];
                    pw += w;
                    pwm += w * _margins[start];
                    below++;
                }
            }
            else
            {
                for (var j = 0; j < runs; j++)
                {
                    var key = _keys[j];
                    if (key >> 16 >= mass) continue;
                    var start = (int)(key & 0xFFFF);
                    var w = _runWeight[start];
                    pw += w;
                    pwm += w * _margins[start];
                    below++;
                }
            }
            var f = below == 0 ? alphaTotal * s : alphaTotal * s - beta * (s * pw - pwm);
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

    private void CloseRun(int start, double margin, double weight, double largest, ref double total, ref int runs)
    {
        total += weight;
        if (margin >= largest) return;
        _runWeight[start] = weight;
        _keys[runs++] = ((long)margin << 16) | (long)start;
    }

    private int _heapCount;
    private int _orderedCount;

    /// <summary>The j-th smallest run key, popping the heap as far as needed.</summary>
    private long OrderedRun(int j)
    {
        while (_orderedCount <= j)
        {
            var top = _keys[0];
            _keys[0] = _keys[--_heapCount];
            SiftDown(0);
            _ordered[_orderedCount++] = top;
        }
        return _ordered[j];
    }

    private void SiftDown(int i)
    {
        var n = _heapCount;
        var item = _keys[i];
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && _keys[child + 1] < _keys[child]) child++;
            if (_keys[child] >= item) break;
            _keys[i] = _keys[child];
            i = child;
        }
        _keys[i] = item;
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
        if (_decay.Length >= len) return;
        var size = Math.Max(len, 2 * _decay.Length);
        _decay = new double[size];
        for (var t = 0; t < size; t++) _decay[t] = Math.Pow(ReferenceConstants.BfioDecay, t);
        _sortedMargins = new double[size];
        _prefixWeight = new double[size + 1];
        _prefixWeightMargin = new double[size + 1];
        _order = new int[size];
        _margins = new double[size];
        _keys = new long[size];
        _ordered = new long[size];
        _runWeight = new double[size];
    }
}
