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
    private int _length;
    private double _alphaTotal;

    /// <summary>floor(min_t m_t): the largest mass that overflows no future envelope.</summary>
    public long SafeBound { get; private set; }

    public void Build(ReadOnlySpan<double> column, ReadOnlySpan<double> envelope)
    {
        var len = column.Length;
        EnsureCapacity(len);
        _length = len;
        for (var t = 0; t < len; t++)
        {
            var m = envelope[t] - column[t];
            _margins[t] = m > 0.0 ? m : 0.0;
            _order[t] = t;
        }
        // Stable insertion sort of indices by margin (the reference uses a stable merge sort).
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
    }
}
