namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// Branch and bound over every feasible assignment of a <see cref="PlacementProblem"/>: each candidate in
/// turn stays queued or joins a rank with a free slot. Ranks identical at the start (same projection,
/// same free slots) are interchangeable, so a candidate may open only the first unused one of each such
/// class. A node is cut when even admitting the heaviest remaining candidates without raising any
/// maximum cannot beat the incumbent. Exponential: for tests and for measuring the fast solver's gap.
/// </summary>
public sealed class ExactPlacementSolver
{
    private readonly long _nodeLimit;
    private PlacementProblem _p = null!;
    private double[] _load = [];
    private int[] _used = [];
    private int[] _class = [];
    private int[] _current = [];
    private int[] _best = [];
    private double[] _suffixTop = [];
    private double[] _suffixBonus = []; // [i·(C+1) + r]: Σ of the r largest b_j, j ≥ i // [(i·Rows + h)·(C+1) + r]: Σ of the r largest a_j(h), j ≥ i
    private int _admitted;
    private double _bonus;
    private double _bestValue;
    private long _nodes;
    private bool _aborted;

    /// <param name="nodeLimit">Give up (and report <see cref="Finished"/> false) after this many nodes.</param>
    public ExactPlacementSolver(long nodeLimit = long.MaxValue) => _nodeLimit = nodeLimit;

    /// <summary>Whether the last solve proved optimality (false if it hit the node limit).</summary>
    public bool Finished { get; private set; }

    /// <summary>Nodes visited by the last solve.</summary>
    public long Nodes => _nodes;

    /// <summary>Writes an optimal assignment to <paramref name="rankOf"/> and returns its objective
    /// (+∞ if the instance has no feasible assignment).</summary>
    public double Solve(PlacementProblem problem, Span<int> rankOf, double incumbent = double.PositiveInfinity)
    {
        _p = problem;
        var ranks = problem.Ranks;
        var rows = problem.Rows;
        var c = problem.Candidates;
        if (_load.Length < ranks * rows) _load = new double[ranks * rows];
        if (_used.Length < ranks) { _used = new int[ranks]; _class = new int[ranks]; }
        if (_current.Length < c) { _current = new int[c]; _best = new int[c]; }
        problem.BaseLoads.CopyTo(_load);
        Array.Clear(_used, 0, ranks);
        for (var g = 0; g < ranks; g++)
        {
            _class[g] = g;
            for (var e = 0; e < g; e++)
            {
                if (_class[e] != e || problem.Free(e) != problem.Free(g)) continue;
                if (problem.BaseColumn(e).SequenceEqual(problem.BaseColumn(g))) { _class[g] = e; break; }
            }
        }
        BuildSuffixBounds();
        _admitted = 0;
        _bonus = 0.0;
        _bestValue = incumbent;
        _nodes = 0;
        _aborted = false;
        var found = false;
        Array.Fill(_best, -1, 0, c);
        if (!double.IsPositiveInfinity(incumbent))
        {
            // Keep the caller's incumbent unless something strictly better turns up.
            found = true;
            for (var i = 0; i < c; i++) _best[i] = rankOf[i];
        }
        _foundBetter = false;
        Search(0);
        Finished = !_aborted;
        if (!found && !_foundBetter) return double.PositiveInfinity;
        for (var i = 0; i < c; i++) rankOf[i] = _best[i];
        return _bestValue;
    }

    private bool _foundBetter;

    private void BuildSuffixBounds()
    {
        var c = _p.Candidates;
        var rows = _p.Rows;
        var stride = c + 1;
        var need = (c + 1) * rows * stride;
        if (_suffixTop.Length < need) _suffixTop = new double[need];
        Span<double> values = c <= 512 ? stackalloc double[c] : new double[c];
        if (_suffixBonus.Length < (c + 1) * stride) _suffixBonus = new double[(c + 1) * stride];
        for (var i = 0; i <= c; i++)
        {
            var n = c - i;
            for (var j = i; j < c; j++) values[j - i] = _p.Bonus(j);
            var slice = values[..n];
            slice.Sort();
            _suffixBonus[i * stride] = 0.0;
            for (var r = 1; r <= c; r++)
                _suffixBonus[i * stride + r] = _suffixBonus[i * stride + r - 1] + (r <= n ? slice[n - r] : 0.0);
        }
        for (var i = 0; i <= c; i++)
        {
            for (var h = 0; h < rows; h++)
            {
                var n = c - i;
                for (var j = i; j < c; j++) values[j - i] = _p.Profile(j)[h];
                var slice = values[..n];
                slice.Sort();
                var baseIndex = (i * rows + h) * stride;
                _suffixTop[baseIndex] = 0.0;
                for (var r = 1; r <= c; r++)
                    _suffixTop[baseIndex + r] = _suffixTop[baseIndex + r - 1] + (r <= n ? slice[n - r] : 0.0);
            }
        }
    }

    private void Search(int i)
    {
        if (_aborted) return;
        if (++_nodes > _nodeLimit) { _aborted = true; return; }
        var c = _p.Candidates;
        var need = _p.AdmitCount - _admitted;
        if (need < 0 || need > c - i) return;
        if (LowerBound(i, need) - _bonus - _suffixBonus[i * (c + 1) + need] >= _bestValue - Tolerance(_bestValue)) return;
        if (i == c)
        {
            var value = PlacementProblem.Objective(_load.AsSpan(0, _p.Ranks * _p.Rows), _p.Ranks, _p.ScoredRanks, _p.Rows, _p.Weights) - _bonus;
            if (value < _bestValue - Tolerance(_bestValue))
            {
                _bestValue = value;
                _foundBetter = true;
                _current.AsSpan(0, c).CopyTo(_best);
            }
            return;
        }
        var rows = _p.Rows;
        var profile = _p.Profile(i);
        for (var g = 0; g < _p.Ranks; g++)
        {
            if (_used[g] >= _p.Free(g)) continue;
            if (_used[g] == 0 && _class[g] != g && _used[_class[g]] == 0) continue;
            if (_used[g] == 0 && !FirstUnusedOfClass(g)) continue;
            var column = _load.AsSpan(g * rows, rows);
            for (var h = 0; h < rows; h++) column[h] += profile[h];
            _used[g]++;
            _admitted++;
            _bonus += _p.Bonus(i);
            _current[i] = g;
            Search(i + 1);
            _bonus -= _p.Bonus(i);
            _admitted--;
            _used[g]--;
            for (var h = 0; h < rows; h++) column[h] -= profile[h];
        }
        if (!_p.Mandatory(i))
        {
            _current[i] = -1;
            Search(i + 1);
        }
    }

    /// <summary>Among ranks of one class, an item may open only the lowest-indexed unused one.</summary>
    private bool FirstUnusedOfClass(int g)
    {
        var cls = _class[g];
        for (var e = cls; e < g; e++)
            if (_class[e] == cls && _used[e] == 0) return false;
        return true;
    }

    /// <summary>
    /// Loads only grow, so max_g L_g(h) is at least today's; the sum grows by at most the `need` heaviest
    /// remaining a_j(h). Hence Imb(h) ≥ max(0, G·max − Σ − that).
    /// </summary>
    private double LowerBound(int i, int need)
    {
        var rows = _p.Rows;
        var stride = _p.Candidates + 1;
        var weights = _p.Weights;
        var load = _load.AsSpan(0, _p.Ranks * rows);
        var bound = 0.0;
        for (var h = 0; h < rows; h++)
        {
            var (max, sum) = PlacementProblem.RowMaxAndSum(load, _p.Ranks, _p.ScoredRanks, rows, h);
            var gap = (double)_p.ScoredRanks * max - sum - _suffixTop[(i * rows + h) * stride + need];
            if (gap > 0) bound += weights[h] * gap;
        }
        return bound;
    }

    internal static double Tolerance(double value) =>
        double.IsInfinity(value) ? 0.0 : 1e-9 * Math.Max(1.0, Math.Abs(value));
}
