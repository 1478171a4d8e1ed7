using System.Numerics;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// The production solver for <see cref="PlacementProblem"/>: greedy by the objective's exact marginal
/// cost, then improving exchanges until none lowers the objective — replace an admitted candidate by a
/// queued one, move one to another rank, swap two between ranks. Its cost depends on ranks, candidates
/// and horizon rows, never on token counts; it allocates nothing once its buffers have grown.
/// </summary>
/// <remarks>
/// Two exact prunings keep the exchanges cheap. A move or swap keeps the admitted set, so it changes only
/// the G·max term: it can help only if one of its two ranks is the unique maximum at some weighted row
/// ("critical"). A replacement on a non-critical rank cannot lower any maximum, so it helps only if the
/// newcomer carries more weighted load (plus aging bonus) than the one it replaces.
/// Greedy costs are computed a rank at a time for all candidates at once (SIMD over candidates), for the
/// rank about to take its next request; exchanges of candidates on critical ranks are evaluated the same way.
/// </remarks>
public sealed class GreedyExchangeSolver
{
    private const double Infinity = double.PositiveInfinity;

    private PlacementProblem _p = null!;
    private int _ranks;
    private int _rows;
    private int _count;
    private int _stride; // candidates padded to the SIMD width
    private double _g;

    private double[] _load = [];      // [g·rows + h]
    private int[] _free = [];
    private int[] _rankOf = [];
    private double[] _value = [];     // Σ_h w_h a_i(h) + b_i: what admitting i earns besides the max term
    private double[] _soa = [];       // [h·stride + i]: profiles, row-major for SIMD over candidates
    private double[] _margin = [];
    private double[] _cost = [];      // [g·stride + i]: greedy cost of adding i to rank g
    private int[] _bestOf = [];
    private bool[] _eligible = [];
    private readonly RowLeaders _leaders = new(); // per row, the three largest rank loads
    private bool[] _critical = [];
    private int[] _onCritical = [];   // candidates admitted to critical ranks
    private int _onCriticalCount;
    private bool[] _settled = [];     // don't-look flags of the exchange search
    private bool[] _wasCritical = [];
    private int[] _byValue = [];      // unassigned-or-not candidates by value, descending
    private long _budgetLeft;
    private double[] _weighted = [];  // Σ_h w_h L_g(h) per rank
    private ReadOnlySpan<double> _profiles => _p.Profiles; // [i·rows + h], candidate-major


    private readonly ExactPlacementSolver _exact = new(ExactPolishNodes);

    /// <summary>
    /// Instances whose whole search tree is at most this many leaves ((ranks with room + 1)^candidates)
    /// are finished by branch and bound seeded with the exchange result: small decisions (a few waiting
    /// requests, as under light timed arrivals) are then solved exactly, large ones never pay for it.
    /// </summary>
    public const long ExactPolishNodes = 50_000;

    /// <summary>Passes of improving exchanges after the greedy fill (-1 = until none improves).</summary>
    public int MaxSweeps { get; set; } = -1;

    /// <summary>
    /// Work on exchanges per solve at most, in rows evaluated (one exchange costs one per horizon row;
    /// 0 = no limit): a deterministic bound on decision time, the same whatever the horizon. Those
    /// that can lower a maximum (involving a critical rank) are tried first in every pass.
    /// </summary>
    public int MaxEvaluations { get; set; }

    /// <summary>False to measure the greedy-and-exchange heuristic alone.</summary>
    public bool ExactPolish { get; init; } = true;

    /// <summary>Whether the last solve was finished (and proved optimal) by branch and bound.</summary>
    public bool PolishedExactly { get; private set; }

    /// <summary>Improving exchanges applied by the last solve.</summary>
    public int Exchanges { get; private set; }

    /// <summary>Greedy rows recomputed by the last solve (diagnostics).</summary>
    public int RowEvaluations { get; private set; }

    /// <summary>Writes the assignment (rank per candidate, −1 = stays queued) and returns its objective.</summary>
    public double Solve(PlacementProblem problem, Span<int> rankOf)
    {
        Load(problem);
        RowEvaluations = 0;
        Exchanges = 0;
        Greedy();
        Improve();
        if (EjectionChain()) Improve();
        _rankOf.AsSpan(0, _count).CopyTo(rankOf);
        var objective = CurrentObjective();
        PolishedExactly = false;
        if (ExactPolish && SearchTreeIsSmall())
        {
            var exact = _exact.Solve(problem, rankOf, objective);
            PolishedExactly = _exact.Finished;
            return exact;
        }
        return objective;
    }

    private bool SearchTreeIsSmall()
    {
        var open = 1;
        for (var g = 0; g < _ranks; g++) if (_p.Free(g) > 0) open++;
        var leaves = 1.0;
        for (var i = 0; i < _count; i++)
        {
            leaves *= open;
            if (leaves > ExactPolishNodes) return false;
        }
        return true;
    }

    private void Load(PlacementProblem problem)
    {
        _p = problem;
        _ranks = problem.Ranks;
        _rows = problem.Rows;
        _count = problem.Candidates;
        _g = problem.Ranks;
        var width = Vector<double>.Count;
        _stride = Math.Max(width, (_count + width - 1) / width * width);
        Ensure(ref _load, _ranks * _rows);
        Ensure(ref _free, _ranks);
        Ensure(ref _rankOf, _count);
        Ensure(ref _value, _stride);
        Ensure(ref _soa, _rows * _stride);
        Ensure(ref _margin, _rows);
        Ensure(ref _cost, _ranks * _stride);
        Ensure(ref _bestOf, _ranks);
        Ensure(ref _eligible, _stride);
        _leaders.Reset(_ranks, _rows);
        Ensure(ref _critical, _ranks);
        Ensure(ref _byValue, _count);
        Ensure(ref _settled, _count);
        Ensure(ref _onCritical, _count);
        Ensure(ref _chainBest, _count);
        Ensure(ref _inserted, _count);
        Ensure(ref _wasCritical, _ranks);
        Ensure(ref _weighted, _ranks);
        Ensure(ref _xw, _rows);
        Ensure(ref _xtop, _rows);
        Ensure(ref _xrest, _rows);
        Ensure(ref _xout, _rows);
        Ensure(ref _xenv, _rows);
        Ensure(ref _xenv2, _rows);
        Ensure(ref _xenvRank, _rows);
        Ensure(ref _replaceAcc, _stride);
        Ensure(ref _swapAcc, _stride);
        Ensure(ref _partnerRank, _stride);
        Ensure(ref _partnerLoad, _rows * _stride);

        problem.BaseLoads.CopyTo(_load);
        problem.FreeSlots.CopyTo(_free);
        Array.Fill(_rankOf, -1, 0, _count);
        _members.Reset(_ranks, _count);
        var weights = problem.Weights;
        for (var g = 0; g < _ranks; g++)
        {
            var weighted = 0.0;
            for (var h = 0; h < _rows; h++) weighted += weights[h] * _load[g * _rows + h];
            _weighted[g] = weighted;
        }
        var profiles = problem.Profiles;
        for (var i = 0; i < _count; i++)
        {
            _value[i] = problem.Reward(i) + problem.Bonus(i);
            for (var h = 0; h < _rows; h++) _soa[h * _stride + i] = profiles[i * _rows + h];
        }
        for (var h = 0; h < _rows; h++) _soa.AsSpan(h * _stride + _count, _stride - _count).Clear();
        _value.AsSpan(_count, _stride - _count).Clear();
        RebuildTop();
    }

    private static void Ensure<T>(ref T[] array, int length)
    {
        if (array.Length < length) array = new T[Math.Max(length, 2 * array.Length)];
    }

    // ---------------------------------------------------------------- envelope

    private void RebuildTop()
    {
        _leaders.Rebuild(_load);
        UpdateCritical();
    }

    /// <summary>After an exchange changed ranks a and b (−1 = none) only.</summary>
    private void RefreshTop(int a, int b)
    {
        _leaders.Refresh(_load, a, b);
        UpdateCritical();
    }

    private void UpdateCritical()
    {
        Array.Clear(_critical, 0, _ranks);
        var weights = _p.Weights;
        for (var h = 0; h < _rows; h++)
            if (weights[h] > 0 && _leaders.Load(h, 0) > _leaders.Load(h, 1)) _critical[_leaders.Rank(h, 0)] = true;
        _onCriticalCount = 0;
        for (var g = 0; g < _ranks; g++)
            if (_critical[g])
                for (var j = _members.First(g); j >= 0; j = _members.Next(j)) _onCritical[_onCriticalCount++] = j;
    }

    // Candidates admitted to each rank, so work after an exchange touches only the ranks it changed.
    private readonly RankMembers _members = new();

    /// <summary>Rank g's loads grew: reinsert it into each row's top three.</summary>
    private void RaiseTop(int g) => _leaders.Raise(_load, g);

    // ---------------------------------------------------------------- greedy

    /// <summary>
    /// Fills the rank with the most free slots first (ties: the most room, then the lowest index) with the
    /// candidate of least marginal cost there, mandatory candidates before the rest. One row of costs per
    /// admission: the ranks take turns, so none is left with only slots that must overshoot. A rank's room
    /// is counted after setting aside, for each of its other free slots, the smallest candidate's load:
    /// a rank that must still take f requests cannot spend all its room on the first.
    /// </summary>
    private void Greedy()
    {
        var target = _p.AdmitCount;
        var admitted = 0;
        var mandatoryLeft = 0;
        for (var i = 0; i < _count; i++) if (_p.Mandatory(i)) mandatoryLeft++;
        for (var i = 0; i < _stride; i++) _eligible[i] = i < _count && (mandatoryLeft == 0 || _p.Mandatory(i));
        for (var h = 0; h < _rows; h++) // _margin: the smallest candidate load per row
        {
            var min = double.PositiveInfinity;
            for (var i = 0; i < _count; i++) min = Math.Min(min, _soa[h * _stride + i]);
            _margin[h] = _count > 0 ? min : 0.0;
        }
        // Mandatory candidates first, oldest first, each onto the rank where it costs least: they must
        // go in whatever their size, and the rank with the most free slots may be the worst place for one.
        for (var i = 0; i < _count && admitted < target && mandatoryLeft > 0; i++)
        {
            if (!_p.Mandatory(i)) continue;
            var g = CheapestRank(i);
            if (g < 0) break;
            Assign(i, g);
            admitted++;
            _eligible[i] = false;
            mandatoryLeft--;
        }
        if (mandatoryLeft == 0)
            for (var i = 0; i < _stride; i++) _eligible[i] = i < _count && _rankOf[i] < 0;
        while (admitted < target)
        {
            // Most room = least weighted load: the envelope term of Room is the same for every rank. (Least weighted
            // load first whenever candidates are fewer than free slots was measured in the comparison matrix: it
            // helps long generation with timed arrivals and loses more elsewhere; docs/compare.md.)
            var g = -1;
            for (var r = 0; r < _ranks; r++)
            {
                if (_free[r] == 0) continue;
                if (g < 0 || _free[r] > _free[g] || (_free[r] == _free[g] && _weighted[r] < _weighted[g])) g = r;
            }
            if (g < 0) break;
            EvaluateRow(g);
            var pick = _bestOf[g];
            if (pick < 0) break;
            Assign(pick, g);
            admitted++;
            _eligible[pick] = false;
            if (_p.Mandatory(pick) && --mandatoryLeft == 0)
                for (var i = 0; i < _count; i++) _eligible[i] = _rankOf[i] < 0;
        }
    }

    /// <summary>The rank with a free slot where candidate i's greedy cost is least (ties: lowest index), or −1.</summary>
    private int CheapestRank(int i)
    {
        var weights = _p.Weights;
        var best = -1;
        var bestCost = Infinity;
        for (var g = 0; g < _ranks; g++)
        {
            if (_free[g] == 0) continue;
            var over = 0.0;
            for (var h = 0; h < _rows; h++)
            {
                var margin = _leaders.Max(h) - _load[g * _rows + h] - (_free[g] - 1) * _margin[h];
                var d = _soa[h * _stride + i] - margin;
                if (d > 0) over += weights[h] * d;
            }
            if (over < bestCost) { bestCost = over; best = g; }
        }
        return best;
    }

    /// <summary>cost_g(i) = G·Σ_h w_h max(0, a_i(h) − (M(h) − L_g(h))) − value_i for all candidates at once.</summary>
    private void EvaluateRow(int g)
    {
        RowEvaluations++;
        var weights = _p.Weights;
        var row = _cost.AsSpan(g * _stride, _stride);
        row.Clear();
        var width = Vector<double>.Count;
        var zero = Vector<double>.Zero;
        for (var h = 0; h < _rows; h++)
        {
            var w = weights[h];
            if (w == 0.0) continue;
            var margin = new Vector<double>(_leaders.Max(h) - _load[g * _rows + h] - (_free[g] - 1) * _margin[h]);
            var weight = new Vector<double>(w);
            var profile = _soa.AsSpan(h * _stride, _stride);
            for (var i = 0; i < _stride; i += width)
            {
                var over = Vector.Max(new Vector<double>(profile.Slice(i, width)) - margin, zero);
                (new Vector<double>(row.Slice(i, width)) + weight * over).CopyTo(row.Slice(i, width));
            }
        }
        var gv = new Vector<double>(_g);
        var values = _value.AsSpan(0, _stride);
        for (var i = 0; i < _stride; i += width)
            (gv * new Vector<double>(row.Slice(i, width)) - new Vector<double>(values.Slice(i, width))).CopyTo(row.Slice(i, width));
        Rescan(g);
    }

    private void Rescan(int g)
    {
        var row = _cost.AsSpan(g * _stride, _count);
        var eligible = _eligible.AsSpan(0, _count);
        var best = -1;
        var bestCost = Infinity;
        // Strictly lower wins: ties go to the earlier (older) candidate.
        for (var i = 0; i < row.Length; i++)
            if (eligible[i] && row[i] < bestCost) { bestCost = row[i]; best = i; }
        _bestOf[g] = best;
    }

    private void Assign(int i, int g)
    {
        _weighted[g] += _p.Reward(i);
        _rankOf[i] = g;
        _members.Add(i, g);
        _free[g]--;
        var column = _load.AsSpan(g * _rows, _rows);
        for (var h = 0; h < _rows; h++) column[h] += _soa[h * _stride + i];
        RaiseTop(g);
    }

    private void Unassign(int i)
    {
        var g = _rankOf[i];
        _rankOf[i] = -1;
        _members.Remove(i, g);
        _free[g]++;
        var column = _load.AsSpan(g * _rows, _rows);
        for (var h = 0; h < _rows; h++) column[h] -= _soa[h * _stride + i];
    }

    // ---------------------------------------------------------------- exchanges

    private void Improve()
    {
        // The greedy fill raised the envelope: which ranks are critical now.
        RebuildTop();
        _partnersStale = true;
        // Candidates by value, descending: replacements on non-critical ranks stop at the first one
        // that is not worth more than the request it would replace.
        for (var i = 0; i < _count; i++) _byValue[i] = i;
        SortByValueDescending(_byValue.AsSpan(0, _count));
        var scale = Math.Max(1.0, Math.Abs(CurrentObjective()));
        var tol = 1e-9 * scale;
        var improved = true;
        var sweeps = 0;
        var maxSweeps = MaxSweeps >= 0 ? MaxSweeps : 4 * _count + 16;
        _budgetLeft = MaxEvaluations > 0 ? MaxEvaluations : long.MaxValue;
        // Don't-look flags: a candidate whose search found nothing is skipped until an exchange touches
        // its rank or makes its rank critical; those are the changes that open new exchanges for it.
        _settled.AsSpan(0, _count).Clear();
        while (improved && sweeps++ < maxSweeps && _budgetLeft > 0)
        {
            improved = false;
            // Candidates on critical ranks first: only their exchanges can lower a maximum.
            for (var pass = 0; pass < 2; pass++)
            {
                for (var i = 0; i < _count && _budgetLeft > 0; i++)
                {
                    var g = _rankOf[i];
                    if (g < 0 || _settled[i] || _critical[g] != (pass == 0)) continue;
                    if (TryImprove(i, g, tol)) improved = true;
                    else _settled[i] = true;
                }
            }
        }
    }

    /// <summary>
    /// The max term is shared: one request over the envelope costs G·overshoot, but once it has raised the
    /// maximum, others fit under the new one for free. Single exchanges cannot see that, so waiting requests
    /// with an aging bonus (the ones the objective wants in) could stay out even when admitting several of
    /// them together pays. A chain: take those requests by value, each replacing the admitted request whose
    /// replacement costs least, even when a step alone costs more than it saves; keep the best prefix.
    /// </summary>
    private bool EjectionChain()
    {
        var chain = 0;
        for (var k = 0; k < _count && chain < MaxChain; k++)
        {
            var j = _byValue[k];
            if (_rankOf[j] < 0 && _p.Bonus(j) > 0) _chain[chain++] = j;
        }
        if (chain == 0) return false;
        var start = CurrentObjective();
        var best = start;
        var bestLength = 0;
        _rankOf.AsSpan(0, _count).CopyTo(_chainBest);
        _inserted.AsSpan(0, _count).Clear();
        for (var t = 0; t < chain; t++)
        {
            var u = _chain[t];
            var outCandidate = -1;
            var outCost = Infinity;
            for (var i = 0; i < _count; i++)
            {
                var g = _rankOf[i];
                if (g < 0 || _inserted[i] || _p.Mandatory(i)) continue;
                PrepareExchanges(i, g);
                var d = ReplaceCost(u) - (_value[u] - _value[i]);
                if (d < outCost) { outCost = d; outCandidate = i; }
            }
            if (outCandidate < 0) break;
            var rank = _rankOf[outCandidate];
            Unassign(outCandidate);
            AssignQuiet(u, rank);
            RebuildTop();
            _inserted[u] = true;
            var objective = CurrentObjective();
            if (objective < best - 1e-9 * Math.Max(1.0, Math.Abs(start)))
            {
                best = objective;
                bestLength = t + 1;
                _rankOf.AsSpan(0, _count).CopyTo(_chainBest);
            }
        }
        // Back to the best prefix (or the start): loads and slots rebuilt from the assignment.
        _chainBest.AsSpan(0, _count).CopyTo(_rankOf);
        _p.BaseLoads.CopyTo(_load);
        _p.FreeSlots.CopyTo(_free);
        _members.Reset(_ranks, _count);
        for (var i = 0; i < _count; i++)
        {
            var g = _rankOf[i];
            if (g < 0) continue;
            _members.Add(i, g);
            _free[g]--;
            for (var h = 0; h < _rows; h++) _load[g * _rows + h] += _soa[h * _stride + i];
        }
        RebuildTop();
        _partnersStale = true;
        return bestLength > 0;
    }

    /// <summary>Longest ejection chain tried per solve.</summary>
    private const int MaxChain = 8;
    private readonly int[] _chain = new int[MaxChain];
    private int[] _chainBest = [];
    private bool[] _inserted = [];

    /// <summary>After an exchange on ranks a and b (−1 = none): their candidates, and those of ranks that just became critical, are searched again.</summary>
    private void Unsettle(int a, int b, int moved, int other)
    {
        // The partner table follows in the same pass: only candidates on a or b, or moved out, changed.
        var partners = !_partnersStale;
        Touch(a, partners);
        if (b >= 0) Touch(b, partners);
        if (partners)
        {
            if (_rankOf[moved] < 0) SetPartner(moved, -1);
            if (other >= 0 && _rankOf[other] < 0) SetPartner(other, -1);
        }
        for (var g = 0; g < _ranks; g++)
            if (_critical[g] && !_wasCritical[g])
                for (var j = _members.First(g); j >= 0; j = _members.Next(j)) _settled[j] = false;
    }

    private void Touch(int g, bool partners)
    {
        for (var j = _members.First(g); j >= 0; j = _members.Next(j))
        {
            _settled[j] = false;
            if (partners) SetPartner(j, g);
        }
    }

    private void SetPartner(int j, int g)
    {
        _partnerRank[j] = g;
        for (var h = 0; h < _rows; h++) _partnerLoad[h * _stride + j] = g >= 0 ? _load[g * _rows + h] : 0.0;
    }

    /// <summary>Applies the best improving replacement, move or swap of admitted candidate i on rank g, if any.</summary>
    private bool TryImprove(int i, int g, double tol)
    {
        var bestDelta = -tol;
        var kind = Exchange.None;
        var other = -1;
        var critical = _critical[g];
        PrepareExchanges(i, g);
        if (critical)
        {
            // A critical rank's candidates are the ones with exchanges against every other candidate:
            // evaluate them all at once, SIMD over candidates.
            if (!_p.Mandatory(i)) ReplaceCostsAll();
            SwapCostsAll();
            if (!_p.Mandatory(i))
            {
                for (var k = 0; k < _count; k++)
                {
                    var j = _byValue[k];
                    if (_rankOf[j] >= 0) continue;
                    _budgetLeft -= _rows;
                    var d = _g * _replaceAcc[j] - (_value[j] - _value[i]);
                    if (d < bestDelta) { bestDelta = d; kind = Exchange.Replace; other = j; }
                }
            }
        }
        else if (!_p.Mandatory(i))
        {
            // A replacement changes the objective by G·Σ_h w_h Δmax_h − (value_j − value_i). Rank g holds no maximum
            // (critical ranks took the branch above), so no maximum can fall: Δmax ≥ 0, and in value order the scan
            // stops at the first j whose value gain alone cannot beat the best.
            for (var k = 0; k < _count; k++)
            {
                var j = _byValue[k];
                if (_rankOf[j] >= 0) continue;
                if (-(_value[j] - _value[i]) >= bestDelta) break;
                var d = ReplaceCostBelow(j, bestDelta + (_value[j] - _value[i])) - (_value[j] - _value[i]);
                if (d < bestDelta) { bestDelta = d; kind = Exchange.Replace; other = j; }
            }
        }
        if (critical)
        {
            for (var g2 = 0; g2 < _ranks; g2++)
            {
                if (g2 == g || _free[g2] == 0) continue;
                var d = MoveCost(g2);
                if (d < bestDelta) { bestDelta = d; kind = Exchange.Move; other = g2; }
            }
            for (var j = 0; j < _count; j++)
            {
                var g2 = _rankOf[j];
                if (g2 < 0 || g2 == g) continue;
                _budgetLeft -= _rows;
                var d = _g * _swapAcc[j];
                if (d < bestDelta) { bestDelta = d; kind = Exchange.Swap; other = j; }
            }
        }
        else
        {
            // From a rank that holds no maximum, a move only adds load elsewhere and can lower nothing;
            // a swap can help only with a candidate on a critical rank.
            foreach (var j in _onCritical.AsSpan(0, _onCriticalCount))
            {
                var d = SwapCost(j, _rankOf[j]);
                if (d < bestDelta) { bestDelta = d; kind = Exchange.Swap; other = j; }
            }
        }
        if (kind == Exchange.None) return false;
        Apply(kind, i, other);
        Exchanges++;
        return true;
    }

    // Per exchange source (candidate i leaving rank g), per row: the weight, the current maximum, rank g's
    // load without i, i's load, and the envelope without g (its rank, and the next one without that rank
    // too). Every exchange of i then costs a few flops per row, whatever it is.
    private double[] _xw = [], _xtop = [], _xrest = [], _xout = [], _xenv = [], _xenv2 = [];
    private int[] _xenvRank = [];

    private void PrepareExchanges(int i, int g)
    {
        var weights = _p.Weights;
        for (var h = 0; h < _rows; h++)
        {
            _xw[h] = weights[h];
            _xtop[h] = _leaders.Max(h);
            var a = _soa[h * _stride + i];
            _xout[h] = a;
            _xrest[h] = _load[g * _rows + h] - a;
            // The envelope without rank g, and without g and the rank holding that one.
            var k = _leaders.Rank(h, 0) == g ? 1 : 0;
            _xenv[h] = _leaders.Load(h, k);
            _xenvRank[h] = _leaders.Rank(h, k);
            var k2 = k + 1;
            if (k2 < 3 && _leaders.Rank(h, k2) == g) k2++;
            _xenv2[h] = k2 < 3 ? _leaders.Load(h, k2) : double.NegativeInfinity;
        }
    }

    // SIMD forms of ReplaceCost and SwapCost for every candidate at once: [j] = Σ_h w_h (max' − max), the
    // same operations in the same order as the scalar forms. Partner rank loads are laid out per candidate
    // ([h·stride + j] = L of j's rank at h) and refreshed after each applied exchange.
    private double[] _replaceAcc = [], _swapAcc = [], _partnerLoad = [], _partnerRank = [];
    private bool _partnersStale = true;

    private void ReplaceCostsAll()
    {
        var width = Vector<double>.Count;
        var acc = _replaceAcc.AsSpan(0, _stride);
        acc.Clear();
        for (var h = 0; h < _rows; h++)
        {
            var w = new Vector<double>(_xw[h]);
            var env = new Vector<double>(_xenv[h]);
            var rest = new Vector<double>(_xrest[h]);
            var top = new Vector<double>(_xtop[h]);
            var profile = _soa.AsSpan(h * _stride, _stride);
            for (var j = 0; j < _stride; j += width)
            {
                var max = Vector.Max(env, rest + new Vector<double>(profile.Slice(j, width)));
                (new Vector<double>(acc.Slice(j, width)) + w * (max - top)).CopyTo(acc.Slice(j, width));
            }
        }
    }

    private void SwapCostsAll()
    {
        RefreshPartners();
        var width = Vector<double>.Count;
        var acc = _swapAcc.AsSpan(0, _stride);
        acc.Clear();
        var ranks = _partnerRank.AsSpan(0, _stride);
        for (var h = 0; h < _rows; h++)
        {
            var w = new Vector<double>(_xw[h]);
            var env = new Vector<double>(_xenv[h]);
            var env2 = new Vector<double>(_xenv2[h]);
            var envRank = new Vector<double>(_xenvRank[h]);
            var rest = new Vector<double>(_xrest[h]);
            var outLoad = new Vector<double>(_xout[h]);
            var top = new Vector<double>(_xtop[h]);
            var profile = _soa.AsSpan(h * _stride, _stride);
            var loads = _partnerLoad.AsSpan(h * _stride, _stride);
            for (var j = 0; j < _stride; j += width)
            {
                var a = new Vector<double>(profile.Slice(j, width));
                var partner = Vector.ConditionalSelect(Vector.Equals(new Vector<double>(ranks.Slice(j, width)), envRank), env2, env);
                var max = Vector.Max(partner, Vector.Max(rest + a, new Vector<double>(loads.Slice(j, width)) - a + outLoad));
                (new Vector<double>(acc.Slice(j, width)) + w * (max - top)).CopyTo(acc.Slice(j, width));
            }
        }
    }

    private void RefreshPartners()
    {
        if (!_partnersStale) return;
        _partnersStale = false;
        for (var j = 0; j < _stride; j++)
        {
            var r = j < _count ? _rankOf[j] : -1;
            _partnerRank[j] = r;
            for (var h = 0; h < _rows; h++) _partnerLoad[h * _stride + j] = r >= 0 ? _load[r * _rows + h] : 0.0;
        }
    }

    /// <summary>G·Σ_h w_h Δmax_h if j takes i's place on g (the caller adds the value difference).</summary>
    private double ReplaceCost(int j) => ReplaceCostBelow(j, Infinity);

    /// <summary>
    /// <see cref="ReplaceCost"/> on a rank that holds no maximum alone, where every row's term is ≥ 0: stops
    /// (returning +∞) as soon as the partial sum reaches <paramref name="limit"/>, when j cannot beat the best.
    /// </summary>
    private double ReplaceCostBelow(int j, double limit)
    {
        _budgetLeft -= _rows;
        var profile = _profiles.Slice(j * _rows, _rows);
        var delta = 0.0;
        for (var h = 0; h < _rows; h++)
        {
            var max = Math.Max(_xenv[h], _xrest[h] + profile[h]);
            delta += _xw[h] * (max - _xtop[h]);
            if (_g * delta >= limit) return Infinity;
        }
        return _g * delta;
    }

    /// <summary>Objective change if i moves from g to rank g2.</summary>
    private double MoveCost(int g2)
    {
        _budgetLeft -= _rows;
        var delta = 0.0;
        for (var h = 0; h < _rows; h++)
        {
            var env = _xenvRank[h] == g2 ? _xenv2[h] : _xenv[h];
            var max = Math.Max(env, Math.Max(_xrest[h], _load[g2 * _rows + h] + _xout[h]));
            delta += _xw[h] * (max - _xtop[h]);
        }
        return _g * delta;
    }

    /// <summary>Objective change if i (on g) and j (on g2) trade ranks.</summary>
    private double SwapCost(int j, int g2)
    {
        _budgetLeft -= _rows;
        var profile = _profiles.Slice(j * _rows, _rows);
        var delta = 0.0;
        for (var h = 0; h < _rows; h++)
        {
            var env = _xenvRank[h] == g2 ? _xenv2[h] : _xenv[h];
            var aj = profile[h];
            var max = Math.Max(env, Math.Max(_xrest[h] + aj, _load[g2 * _rows + h] - aj + _xout[h]));
            delta += _xw[h] * (max - _xtop[h]);
        }
        return _g * delta;
    }

    /// <summary>The improving exchanges the search tries for an admitted candidate i.</summary>
    private enum Exchange
    {
        None,
        /// <summary>A queued candidate takes i's place on its rank; i goes back to the queue.</summary>
        Replace,
        /// <summary>i moves to another rank with a free slot.</summary>
        Move,
        /// <summary>i and a candidate on another rank trade ranks.</summary>
        Swap,
    }

    /// <param name="other">The queued candidate (Replace), the target rank (Move) or the other candidate (Swap).</param>
    private void Apply(Exchange kind, int i, int other)
    {
        var a = _rankOf[i];
        var b = kind == Exchange.Move ? other : kind == Exchange.Swap ? _rankOf[other] : -1;
        _critical.AsSpan(0, _ranks).CopyTo(_wasCritical);
        switch (kind)
        {
            case Exchange.Replace:
            {
                var g = _rankOf[i];
                Unassign(i);
                AssignQuiet(other, g);
                break;
            }
            case Exchange.Move:
                Unassign(i);
                AssignQuiet(i, other);
                break;
            case Exchange.Swap:
            {
                var gi = _rankOf[i];
                var gj = _rankOf[other];
                Unassign(i);
                Unassign(other);
                AssignQuiet(i, gj);
                AssignQuiet(other, gi);
                break;
            }
        }
        RefreshTop(a, b);
        Unsettle(a, b, i, kind == Exchange.Move ? -1 : other);
    }

    private void AssignQuiet(int i, int g)
    {
        _rankOf[i] = g;
        _members.Add(i, g);
        _free[g]--;
        var column = _load.AsSpan(g * _rows, _rows);
        for (var h = 0; h < _rows; h++) column[h] += _soa[h * _stride + i];
    }

    private void SortByValueDescending(Span<int> order) => order.Sort(_byValueDescending);

    public GreedyExchangeSolver()
    {
        // Ties by index, so the order (and every decision) is fully determined.
        _byValueDescending = (x, y) =>
        {
            var c = _value[y].CompareTo(_value[x]);
            return c != 0 ? c : x.CompareTo(y);
        };
    }

    private readonly Comparison<int> _byValueDescending;

    private double CurrentObjective()
    {
        var objective = PlacementProblem.Objective(_load.AsSpan(0, _ranks * _rows), _ranks, _rows, _p.Weights);
        for (var i = 0; i < _count; i++)
            if (_rankOf[i] >= 0) objective -= _p.Bonus(i);
        return objective;
    }
}
