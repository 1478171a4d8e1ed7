namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// The production solver for <see cref="PlacementProblem"/>: greedy by the objective's exact marginal
/// cost (best fit on ties), then improving exchanges until none lowers the objective — replace an
/// admitted candidate by a queued one, move one to another rank, swap two between ranks.
/// Its cost depends on ranks, candidates and horizon rows, never on token counts.
/// </summary>
public sealed class GreedyExchangeSolver
{
    private PlacementProblem _p = null!;
    private int _ranks;
    private int _rows;
    private double _g;
    private double[] _load = [];
    private int[] _free = [];
    private int[] _rankOf = [];
    // Per row, the three largest rank loads and their ranks: the envelope without any two given ranks.
    private double[] _top = [];
    private int[] _topRank = [];

    /// <summary>Improving passes made by the last solve.</summary>
    public int Passes { get; private set; }

    /// <summary>Writes the assignment (rank per candidate, −1 = stays queued) and returns its objective.</summary>
    public double Solve(PlacementProblem problem, Span<int> rankOf)
    {
        _p = problem;
        _ranks = problem.Ranks;
        _rows = problem.Rows;
        _g = problem.Ranks;
        var c = problem.Candidates;
        if (_load.Length < _ranks * _rows) _load = new double[_ranks * _rows];
        if (_free.Length < _ranks) _free = new int[_ranks];
        if (_rankOf.Length < c) _rankOf = new int[c];
        if (_top.Length < 3 * _rows) { _top = new double[3 * _rows]; _topRank = new int[3 * _rows]; }
        problem.BaseLoads.CopyTo(_load);
        problem.FreeSlots.CopyTo(_free);
        Array.Fill(_rankOf, -1, 0, c);
        RebuildTop();

        Greedy();
        Passes = 0;
        while (Improve()) Passes++;

        _rankOf.AsSpan(0, c).CopyTo(rankOf);
        return CurrentObjective();
    }

    private void RebuildTop()
    {
        for (var h = 0; h < _rows; h++)
        {
            double v1 = double.NegativeInfinity, v2 = double.NegativeInfinity, v3 = double.NegativeInfinity;
            int r1 = -1, r2 = -1, r3 = -1;
            for (var g = 0; g < _ranks; g++)
            {
                var v = _load[g * _rows + h];
                if (v > v1) { v3 = v2; r3 = r2; v2 = v1; r2 = r1; v1 = v; r1 = g; }
                else if (v > v2) { v3 = v2; r3 = r2; v2 = v; r2 = g; }
                else if (v > v3) { v3 = v; r3 = g; }
            }
            _top[3 * h] = v1; _top[3 * h + 1] = v2; _top[3 * h + 2] = v3;
            _topRank[3 * h] = r1; _topRank[3 * h + 1] = r2; _topRank[3 * h + 2] = r3;
        }
    }

    /// <summary>max over ranks other than <paramref name="a"/> and <paramref name="b"/> at row h.</summary>
    private double EnvelopeWithout(int h, int a, int b)
    {
        for (var k = 0; k < 3; k++)
        {
            var r = _topRank[3 * h + k];
            if (r != a && r != b) return _top[3 * h + k];
        }
        return double.NegativeInfinity;
    }

    private void Greedy()
    {
        var c = _p.Candidates;
        var target = _p.AdmitCount;
        var admitted = 0;
        // Mandatory candidates first (heaviest first), each where it costs least.
        for (var pass = 0; pass < 2 && admitted < target; pass++)
        {
            while (admitted < target)
            {
                var bestI = -1;
                var bestG = -1;
                var bestCost = double.PositiveInfinity;
                var bestSlack = double.PositiveInfinity;
                for (var i = 0; i < c; i++)
                {
                    if (_rankOf[i] >= 0) continue;
                    if (pass == 0 && !_p.Mandatory(i)) continue;
                    for (var g = 0; g < _ranks; g++)
                    {
                        if (_free[g] == 0) continue;
                        var cost = AddCost(i, g, out var slack);
                        var tol = ExactPlacementSolver.Tolerance(bestCost);
                        if (cost < bestCost - tol || (cost <= bestCost + tol && slack < bestSlack))
                        {
                            bestCost = cost; bestSlack = slack; bestI = i; bestG = g;
                        }
                    }
                }
                if (bestI < 0) break;
                Assign(bestI, bestG);
                admitted++;
            }
        }
    }

    /// <summary>Objective change of adding candidate i to rank g; <paramref name="slack"/> is the weighted
    /// room left under the envelope afterwards (smaller = tighter fit).</summary>
    private double AddCost(int i, int g, out double slack)
    {
        var weights = _p.Weights;
        var profile = _p.Profile(i);
        var column = _load.AsSpan(g * _rows, _rows);
        var over = 0.0;
        var room = 0.0;
        for (var h = 0; h < _rows; h++)
        {
            var d = column[h] + profile[h] - _top[3 * h];
            if (d > 0) over += weights[h] * d;
            else room -= weights[h] * d;
        }
        slack = room;
        return _g * over - _p.Reward(i) - _p.Bonus(i);
    }

    private void Assign(int i, int g)
    {
        _rankOf[i] = g;
        _free[g]--;
        var profile = _p.Profile(i);
        var column = _load.AsSpan(g * _rows, _rows);
        for (var h = 0; h < _rows; h++) column[h] += profile[h];
        RaiseTop(g);
    }

    private void Unassign(int i)
    {
        var g = _rankOf[i];
        _rankOf[i] = -1;
        _free[g]++;
        var profile = _p.Profile(i);
        var column = _load.AsSpan(g * _rows, _rows);
        for (var h = 0; h < _rows; h++) column[h] -= profile[h];
    }

    /// <summary>Rank g's loads only grew: reinsert it into each row's top three.</summary>
    private void RaiseTop(int g)
    {
        for (var h = 0; h < _rows; h++)
        {
            var v = _load[g * _rows + h];
            var b = 3 * h;
            // Drop g's old entry, then insert it at its new place.
            var k = 0;
            while (k < 3 && _topRank[b + k] != g) k++;
            if (k == 3)
            {
                if (v <= _top[b + 2]) continue;
                k = 2;
            }
            // Shift entries above position k down while v beats them.
            while (k > 0 && v > _top[b + k - 1])
            {
                _top[b + k] = _top[b + k - 1];
                _topRank[b + k] = _topRank[b + k - 1];
                k--;
            }
            _top[b + k] = v;
            _topRank[b + k] = g;
        }
    }

    /// <summary>
    /// Objective change if rank a's loads change by −out_a + in_a and rank b's (b may be −1) by
    /// −out_b + in_b, where out/in are candidate profiles (−1 = none).
    /// </summary>
    private double ChangeCost(int a, int outA, int inA, int b, int outB, int inB)
    {
        var weights = _p.Weights;
        var delta = 0.0;
        var pOutA = outA >= 0 ? _p.Profile(outA) : default;
        var pInA = inA >= 0 ? _p.Profile(inA) : default;
        var pOutB = outB >= 0 ? _p.Profile(outB) : default;
        var pInB = inB >= 0 ? _p.Profile(inB) : default;
        for (var h = 0; h < _rows; h++)
        {
            var da = (inA >= 0 ? pInA[h] : 0.0) - (outA >= 0 ? pOutA[h] : 0.0);
            var la = _load[a * _rows + h] + da;
            var max = EnvelopeWithout(h, a, b);
            if (la > max) max = la;
            var dt = da;
            if (b >= 0)
            {
                var db = (inB >= 0 ? pInB[h] : 0.0) - (outB >= 0 ? pOutB[h] : 0.0);
                var lb = _load[b * _rows + h] + db;
                if (lb > max) max = lb;
                dt += db;
            }
            delta += weights[h] * (_g * (max - _top[3 * h]) - dt);
        }
        // Only a replacement changes who is admitted (moves and swaps keep the set).
        if (b < 0 && outA >= 0) delta += _p.Bonus(outA);
        if (b < 0 && inA >= 0) delta -= _p.Bonus(inA);
        return delta;
    }

    /// <summary>One best-improvement pass over all exchanges; true if it applied one.</summary>
    private bool Improve()
    {
        var c = _p.Candidates;
        var bestDelta = 0.0;
        int kind = 0, x = -1, y = -1, z = -1;
        var current = CurrentObjective();
        var tol = ExactPlacementSolver.Tolerance(current);
        for (var i = 0; i < c; i++)
        {
            var g = _rankOf[i];
            if (g < 0) continue;
            // Replace i by a queued j on the same rank.
            if (!_p.Mandatory(i))
            {
                for (var j = 0; j < c; j++)
                {
                    if (_rankOf[j] >= 0) continue;
                    var d = ChangeCost(g, i, j, -1, -1, -1);
                    if (d < bestDelta - tol) { bestDelta = d; kind = 1; x = i; y = j; }
                }
            }
            // Move i to another rank with room.
            for (var g2 = 0; g2 < _ranks; g2++)
            {
                if (g2 == g || _free[g2] == 0) continue;
                var d = ChangeCost(g, i, -1, g2, -1, i);
                if (d < bestDelta - tol) { bestDelta = d; kind = 2; x = i; z = g2; }
            }
            // Swap i with an admitted j on another rank.
            for (var j = i + 1; j < c; j++)
            {
                var g2 = _rankOf[j];
                if (g2 < 0 || g2 == g) continue;
                var d = ChangeCost(g, i, j, g2, j, i);
                if (d < bestDelta - tol) { bestDelta = d; kind = 3; x = i; y = j; }
            }
        }
        if (kind == 0) return false;
        switch (kind)
        {
            case 1:
            {
                var g = _rankOf[x];
                Unassign(x);
                Assign(y, g);
                break;
            }
            case 2:
                Unassign(x);
                Assign(x, z);
                break;
            default:
            {
                var gx = _rankOf[x];
                var gy = _rankOf[y];
                Unassign(x);
                Unassign(y);
                Assign(x, gy);
                Assign(y, gx);
                break;
            }
        }
        RebuildTop();
        return true;
    }

    private double CurrentObjective() =>
        PlacementProblem.Objective(_load.AsSpan(0, _ranks * _rows), _ranks, _rows, _p.Weights) - AdmittedBonus();

    private double AdmittedBonus()
    {
        var bonus = 0.0;
        for (var i = 0; i < _p.Candidates; i++)
            if (_rankOf[i] >= 0) bonus += _p.Bonus(i);
        return bonus;
    }
}
