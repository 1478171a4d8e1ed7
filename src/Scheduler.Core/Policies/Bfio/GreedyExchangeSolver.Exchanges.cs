using System.Numerics;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>Improving exchanges after the fill: replace, move and swap, until none lowers the objective or the budget is spent.</summary>
public sealed partial class GreedyExchangeSolver
{
    private void Improve()
    {
        // The greedy fill raised the envelope: which ranks are critical now (every row scanned from the row-major copy).
        BuildLoadByRow();
        _leaders.Rebuild(_loadByRow, _rankStride);
        UpdateCritical();
        _partnersStale = true;
        // Candidates are by value, descending (sorted in Load): replacements on non-critical ranks stop at the
        // first one that is not worth more than the request it would replace.
        var scale = Math.Max(1.0, Math.Abs(CurrentObjective()));
        var tol = 1e-9 * scale;
        var improved = true;
        var sweeps = 0;
        var maxSweeps = MaxSweeps >= 0 ? MaxSweeps : 4 * _count + 16;
        _budgetLeft = MaxEvaluations > 0 ? MaxEvaluations : long.MaxValue;
        // Don't-look flags: a candidate whose search found nothing is skipped until an exchange touches
        // its rank or makes its rank critical; those are the changes that open new exchanges for it.
        _worklist.OpenAll();
        while (improved && sweeps++ < maxSweeps && _budgetLeft > 0)
        {
            improved = false;
            // Candidates on critical ranks first: only their exchanges can lower a maximum. Each pass visits the admitted
            // candidates not settled in index order, read afresh after every exchange (an exchange may open later ones).
            for (var pass = 0; pass < 2; pass++)
            {
                for (var i = _worklist.NextOpen(0); i >= 0 && _budgetLeft > 0; i = _worklist.NextOpen(i + 1))
                {
                    var g = _rankOf[i];
                    if (_critical.IsCritical(g) != (pass == 0)) continue;
                    if (TryImprove(i, g, tol)) improved = true;
                    else _worklist.Settle(i);
                }
            }
        }
    }

    // The search's worklist: which admitted candidates are still open to a search (don't-look bits).
    private readonly SearchWorklist _worklist = new();

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
        foreach (var g in _critical.Ranks)
            if (!_critical.WasCritical(g))
                for (var j = _members.First(g); j >= 0; j = _members.Next(j)) _worklist.Open(j);
    }

    private void Touch(int g, bool partners)
    {
        for (var j = _members.First(g); j >= 0; j = _members.Next(j))
        {
            _worklist.Open(j);
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
        var (kind, other) = _critical.IsCritical(g) ? BestOnCritical(i, g, ref bestDelta) : BestOffCritical(i, g, ref bestDelta);
        if (kind == Exchange.None) return false;
        Apply(kind, i, other);
        Exchanges++;
        return true;
    }

    /// <summary>The best exchange below <paramref name="bestDelta"/> of i on a critical rank g: a replacement by any queued
    /// candidate, a move to any rank, a swap with any candidate.</summary>
    private (Exchange Kind, int Other) BestOnCritical(int i, int g, ref double bestDelta)
    {
        var kind = Exchange.None;
        var other = -1;
        PrepareExchanges(i, g);
        // A critical rank's candidates are the ones with exchanges against every other candidate:
        // evaluate them all at once, SIMD over candidates.
        // With every candidate admitted there is no replacement to cost.
        var replaces = !_p.Mandatory(i) && _worklist.AnyQueued();
        if (replaces) ReplaceCostsQueued(int.MaxValue);
        SwapCostsAll();
        if (replaces)
        {
            var queued = QueuedByValue();
            for (var q = 0; q < queued.Length; q++)
            {
                var j = queued[q];
                _budgetLeft--;
                var d = _g * _replaceAcc[q] - (_value[j] - _value[i]);
                if (d < bestDelta) { bestDelta = d; kind = Exchange.Replace; other = j; }
            }
        }
        var to = BestMove(g, bestDelta);
        if (to >= 0) { bestDelta = _g * _moveAcc[to]; kind = Exchange.Move; other = to; }
        var partner = BestSwap(g, bestDelta);
        if (partner >= 0) { bestDelta = _g * _swapAcc[partner]; kind = Exchange.Swap; other = partner; }
        return (kind, other);
    }

    /// <summary>
    /// The best exchange below <paramref name="bestDelta"/> of i on a rank g that holds no maximum alone: a replacement by a
    /// queued candidate worth more, or a swap with a candidate on a critical rank. From such a rank a move only adds load
    /// elsewhere and can lower nothing, and so can a swap with a candidate on another rank off the critical ones.
    /// </summary>
    private (Exchange Kind, int Other) BestOffCritical(int i, int g, ref double bestDelta)
    {
        var kind = Exchange.None;
        var other = -1;
        // A replacement changes the objective by G·Σ_h w_h Δmax_h − (value_j − value_i). Rank g holds no maximum, so no
        // maximum can fall: Δmax ≥ 0, and only the candidates worth more than i by over the tolerance can improve: a prefix
        // of the queued ones in value order.
        var queued = _p.Mandatory(i) ? ReadOnlySpan<int>.Empty : QueuedByValue();
        var worth = 0;
        var values = _queued.Values(0, queued.Length); // the queued candidates' values, in view order
        while (worth < values.Length && -(values[worth] - _value[i]) < bestDelta) worth++;
        var swaps = SwapsMightImprove(i, g);
        if (!swaps) _budgetLeft -= _critical.Candidates.Length; // the swaps passed over, counted as the swap scan counts them
        if (worth == 0 && !swaps) return (kind, other);
        if (swaps) PrepareExchanges(i, g);
        else PrepareReplacements(i, g);
        // The costs of every candidate worth more at once (SIMD); a candidate they show to improve is confirmed by the
        // scalar form, which stops where the best cannot be beaten: so the choice is the one the scalar scan alone makes,
        // to the last rounding. In value order the scan stops at the first j whose value gain alone cannot beat the best.
        if (worth > 0) ReplaceCostsQueued(worth);
        // Mostly none of them improves (a candidate off the critical ranks is searched again after every exchange on its
        // rank, and 4 searches in 5 find nothing at G=32): the same costs tell it at once, lane by lane, and the scan is
        // charged as it charges itself when it finds nothing, every one of them visited.
        if (worth > 0 && ScreensReplacementsInLanes && !AnyReplacementBelow(worth, _value[i], bestDelta))
            _budgetLeft -= worth;
        else
            for (var q = 0; q < worth; q++)
            {
                var j = queued[q];
                var gain = _value[j] - _value[i];
                if (-gain >= bestDelta) break;
                _budgetLeft--;
                if (!(_g * _replaceAcc[q] - gain < bestDelta)) continue;
                var d = ReplaceCostBelow(j, bestDelta + gain) - gain;
                if (d < bestDelta) { bestDelta = d; kind = Exchange.Replace; other = j; }
            }
        if (!swaps) return (kind, other);
        SwapCostsOnCritical();
        var onCritical = _critical.Candidates;
        for (var k = 0; k < onCritical.Length; k++)
        {
            _budgetLeft--;
            var d = _g * _criticalAcc[k];
            if (d < bestDelta) { bestDelta = d; kind = Exchange.Swap; other = onCritical[k]; }
        }
        return (kind, other);
    }

    /// <summary>
    /// Whether some swap of candidate i (on rank g, which holds no maximum alone) with a candidate j on a critical rank c could
    /// lower the objective. Only a row where c is the maximum alone can fall: on any other row some rank the swap leaves
    /// alone already stands at the maximum, or g and c share it and one of them ends at or above it. On a row of c's it falls
    /// only if j is heavier there than i (c gets lighter) and g, taking j for i, stays under the maximum. Where no such j
    /// exists on any critical row, every swap's change is ≥ 0 (up to rounding far below the tolerance), none improves, and
    /// the swaps need not be costed (or the exchange prepared for them). The comparison is made with room for rounding, so
    /// it can only answer yes too often, never no.
    /// </summary>
    private bool SwapsMightImprove(int i, int g)
    {
        if (_critical.Candidates.IsEmpty) return false;
        if (!SkipsHopelessSwaps) return true;
        foreach (var h in _critical.Rows)
        {
            var top = _leaders.Load(h, 0);
            var ai = _soa[h * _stride + i];
            var rest = _load[g * _rows + h] - ai;
            var slack = 1e-9 * (Math.Abs(top) + Math.Abs(rest) + 1.0);
            for (var j = _members.First(_leaders.Rank(h, 0)); j >= 0; j = _members.Next(j))
            {
                var aj = _soa[h * _stride + j];
                if (aj > ai && rest + aj < top + slack) return true;
            }
        }
        return false;
    }

    /// <summary>Whether swaps off the critical ranks that cannot improve are passed over uncosted (true) or costed (false:
    /// tests compare the two, whose picks must be the same).</summary>
    internal bool SkipsHopelessSwaps { get; init; } = true;

    // The candidates not admitted, in value order, as the replacement scans read them.
    private readonly QueuedView _queued = new();

    private ReadOnlySpan<int> QueuedByValue()
    {
        // Most searches find the view current: the test stays here, where it costs no call.
        if (_queued.Stale) _queued.Refresh(_byValue.AsSpan(0, _count), _rankOf, _value, _soa, _rows, _stride);
        return _queued.Ids;
    }

    // What each exchange of the candidate being searched does to the max term (ExchangeCosts), prepared once per search.
    private readonly ExchangeCosts _costs = new();

    /// <summary>What a replacement of i on g is costed with, without what moves and swaps need besides.</summary>
    private void PrepareReplacements(int i, int g) =>
        _costs.PrepareReplacements(_leaders, _p.Weights, _load.AsSpan(g * _rows, _rows), _profiles.Slice(i * _rows, _rows), g, _rows);

    /// <summary>What every exchange of i on g (replacement, move, swap) is costed with.</summary>
    private void PrepareExchanges(int i, int g) =>
        _costs.Prepare(_leaders, _p.Weights, _load.AsSpan(g * _rows, _rows), _profiles.Slice(i * _rows, _rows), g, _rows);

    // Exchange costs for many candidates at once (SIMD): [lane] = Σ_h w_h (max' − max), G times it the objective's change.
    // A replacement by a queued candidate j on i's rank g has max' = max(env, L_g − a_i + a_j), the scalar form
    // ReplaceCostBelow; a swap of i with j on rank g2 has max' = max(env', L_g − a_i + a_j, L_g2 − a_j + a_i), env' the
    // envelope without g and g2. ReplaceCostsQueued costs every queued candidate, SwapCostsAll every candidate ([j]) and
    // SwapCostsOnCritical those on critical ranks. Partner rank loads are laid out per candidate ([h·stride + j] = L of j's
    // rank at h) and refreshed after each applied exchange.
    private double[] _replaceAcc = [], _swapAcc = [], _partnerLoad = [], _partnerRank = [];
    private bool _partnersStale = true;

    /// <summary>[q] = Σ_h w_h (max' − max) if the q-th queued candidate (<see cref="QueuedByValue"/>) takes i's place: the
    /// operations of <see cref="ReplaceCostBelow"/> without its early stop, over the first <paramref name="first"/> queued
    /// candidates (and the rest of their SIMD width) only.</summary>
    private void ReplaceCostsQueued(int first)
    {
        QueuedByValue(); // the view and its profiles, current
        var width = Vector<double>.Count;
        var lanes = (Math.Min(first, _queued.Length) + width - 1) / width * width;
        _costs.Replacements(_queued, _replaceAcc, lanes);
    }

    private void SwapCostsAll()
    {
        RefreshPartners();
        SwapCosts(_soa, _partnerLoad, _partnerRank, _swapAcc, _stride);
    }

    /// <summary>
    /// [lane] = Σ_h w_h (max' − max) if i trades ranks with the candidate of that lane: <paramref name="profiles"/> and
    /// <paramref name="loads"/> (its rank's loads) row-major with a pitch of <paramref name="pitch"/> (the stride if 0),
    /// <paramref name="ranks"/> its rank. A lane of profile 0 on every row prices a move to its rank.
    /// </summary>
    private void SwapCosts(double[] profiles, double[] loads, double[] ranks, double[] accumulator, int lanes, int pitch = 0) =>
        _costs.Swaps(profiles, loads, ranks, accumulator, lanes, pitch == 0 ? _stride : pitch);

    // The candidates on critical ranks (CriticalRanks.Candidates) as SIMD lanes [h·stride + k]: their profiles, their ranks' loads and
    // their ranks, rebuilt after the critical ranks or any load changed (UpdateCritical marks them stale), so a swap from a
    // non-critical rank is costed against all of them at once.
    private double[] _criticalSoa = [], _criticalLoad = [], _criticalRank = [], _criticalAcc = [];
    private bool _criticalLanesStale = true;

    /// <summary>[k] = Σ_h w_h (max' − max) if i trades ranks with the k-th candidate on a critical rank (<see cref="SwapCosts"/>
    /// over those candidates only).</summary>
    private void SwapCostsOnCritical()
    {
        var width = Vector<double>.Count;
        var onCritical = _critical.Candidates;
        var lanes = (onCritical.Length + width - 1) / width * width;
        if (_criticalLanesStale)
        {
            _criticalLanesStale = false;
            for (var k = 0; k < lanes; k++)
            {
                var j = k < onCritical.Length ? onCritical[k] : -1;
                var r = j >= 0 ? _rankOf[j] : -1;
                _criticalRank[k] = r;
                for (var h = 0; h < _rows; h++)
                {
                    _criticalSoa[h * _stride + k] = j >= 0 ? _soa[h * _stride + j] : 0.0;
                    _criticalLoad[h * _stride + k] = r >= 0 ? _load[r * _rows + h] : 0.0;
                }
            }
        }
        SwapCosts(_criticalSoa, _criticalLoad, _criticalRank, _criticalAcc, lanes);
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

    /// <summary>G·Σ_h w_h Δmax_h if j takes i's place on g (the caller adds the value difference); one exchange evaluated.</summary>
    private double ReplaceCost(int j)
    {
        _budgetLeft--;
        return ReplaceCostBelow(j, Infinity);
    }

    /// <summary>
    /// <see cref="ReplaceCost"/> on a rank that holds no maximum alone, where every row's term is ≥ 0: stops
    /// (returning +∞) as soon as the partial sum reaches <paramref name="limit"/>, when j cannot beat the best.
    /// The caller counts the evaluation.
    /// </summary>
    private double ReplaceCostBelow(int j, double limit) => _costs.ReplacementBelow(_profiles.Slice(j * _rows, _rows), _g, limit);

    /// <summary>Whether a critical candidate's moves and swaps are costed and picked for every rank and partner at once,
    /// SIMD over them (true), or one at a time (false: tests compare the two, whose picks must be the same).</summary>
    internal bool CriticalExchangesInLanes { get; init; } = true;

    /// <summary>
    /// The rank with a free slot other than <paramref name="g"/> where moving the candidate being searched costs least
    /// (G·Σ_h w_h Δmax_h into <see cref="_moveAcc"/>), if below <paramref name="bestDelta"/> (ties: the lowest rank), or −1;
    /// counts each rank costed as one exchange evaluated.
    /// </summary>
    private int BestMove(int g, double bestDelta)
    {
        var to = -1;
        if (CriticalExchangesInLanes) MoveCostsAll();
        for (var g2 = 0; g2 < _ranks; g2++)
        {
            if (g2 == g || _free[g2] == 0) continue;
            _budgetLeft--;
            if (!CriticalExchangesInLanes) _moveAcc[g2] = MoveCost(g2);
            var d = _g * _moveAcc[g2];
            if (d < bestDelta) { bestDelta = d; to = g2; }
        }
        return to;
    }

    /// <summary>
    /// The swap partner of least G·<see cref="_swapAcc"/> below <paramref name="bestDelta"/> among the candidates admitted
    /// to a rank other than <paramref name="g"/> (ties: the lowest index), or −1; counts each of them as one exchange
    /// evaluated. Picked SIMD over the candidates, the pick of a scan in index order: each lane's cost is the same product,
    /// and the first candidate holding the least cost is the one a strict comparison in index order keeps.
    /// </summary>
    private int BestSwap(int g, double bestDelta)
    {
        if (!CriticalExchangesInLanes) return BestSwapOneByOne(g, bestDelta);
        var width = Vector<double>.Count;
        var gv = new Vector<double>(_g);
        var own = new Vector<double>(g);
        var none = new Vector<double>(Infinity);
        var least = none;
        var partners = Vector<long>.Zero;
        var acc = _swapAcc.AsSpan(0, _stride);
        var ranks = _partnerRank.AsSpan(0, _stride); // current after SwapCostsAll: each candidate's rank, −1 if queued or padding
        for (var j = 0; j < _stride; j += width)
        {
            var rank = new Vector<double>(ranks.Slice(j, width));
            var partner = Vector.AndNot(Vector.GreaterThanOrEqual(rank, Vector<double>.Zero), Vector.Equals(rank, own));
            partners -= partner; // a lane of the mask is −1 where set
            least = Vector.Min(least, Vector.ConditionalSelect(partner, gv * new Vector<double>(acc.Slice(j, width)), none));
        }
        _budgetLeft -= Vector.Sum(partners);
        var min = Infinity;
        for (var l = 0; l < width; l++) min = Math.Min(min, least[l]);
        if (!(min < bestDelta)) return -1;
        for (var j = 0; j < _count; j++)
            if (ranks[j] >= 0 && ranks[j] != g && _g * acc[j] == min) return j;
        return -1;
    }

    private int BestSwapOneByOne(int g, double bestDelta)
    {
        var partner = -1;
        for (var j = 0; j < _count; j++)
        {
            var g2 = _rankOf[j];
            if (g2 < 0 || g2 == g) continue;
            _budgetLeft--;
            var d = _g * _swapAcc[j];
            if (d < bestDelta) { bestDelta = d; partner = j; }
        }
        return partner;
    }

    // Every rank's loads row-major ([h·rankStride + g]) beside _load, so that a critical candidate's moves are costed for
    // every rank at once (SIMD over ranks): built when the exchanges start, the two ranks an exchange changed refreshed.
    private double[] _loadByRow = [], _moveAcc = [], _rankLane = [], _noProfile = [];
    private int _rankStride;

    private void BuildLoadByRow()
    {
        var width = Vector<double>.Count;
        _rankStride = (_ranks + width - 1) / width * width; // its buffers sized in EnsureCapacity
        for (var h = 0; h < _rows; h++)
        {
            var row = _loadByRow.AsSpan(h * _rankStride, _rankStride);
            for (var g = 0; g < _ranks; g++) row[g] = _load[g * _rows + h];
            row[_ranks..].Clear();
        }
    }

    private void RefreshLoadByRow(int g)
    {
        for (var h = 0; h < _rows; h++) _loadByRow[h * _rankStride + g] = _load[g * _rows + h];
    }

    /// <summary>[g2] = Σ_h w_h (max' − max) if i moves to rank g2, for every rank at once (the caller skips i's own rank and
    /// the full ones): a swap with a partner of load 0 on rank g2, whose costs are <see cref="MoveCost"/>'s, operation for
    /// operation (L − 0 + a_i = L + a_i, rest + 0 = rest).</summary>
    private void MoveCostsAll() => SwapCosts(_noProfile, _loadByRow, _rankLane, _moveAcc, _rankStride, _rankStride);

    /// <summary>Σ_h w_h Δmax_h if i moves from g to rank g2 (G times it the objective's change).</summary>
    private double MoveCost(int g2) => _costs.Move(g2, _load.AsSpan(g2 * _rows, _rows));

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
        var viewCurrent = !_queued.Stale && KeepsQueuedView;
        _critical.RememberBefore();
        switch (kind)
        {
            case Exchange.Replace:
            {
                var g = _rankOf[i];
                Unassign(i);
                AssignQuiet(other, g);
                if (viewCurrent) _queued.Trade(other, i, _valuePlace, _value, _soa);
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
        // A move or a swap leaves the same candidates queued, and a replacement's view was traded in place: the view
        // stays current (rebuilding it after every exchange was 6% of a G=128 call's time).
        if (viewCurrent) _queued.StillCurrent();
        RefreshLoadByRow(a);
        if (b >= 0) RefreshLoadByRow(b);
        RefreshTop(a, b);
        Unsettle(a, b, i, kind == Exchange.Move ? -1 : other);
    }

    /// <summary>Whether an exchange keeps the queued view current (true) or leaves it to be rebuilt (false: tests compare
    /// the two, whose picks must be the same).</summary>
    internal bool KeepsQueuedView { get; init; } = true;

    /// <summary>Whether a search off the critical ranks first tells, SIMD over the queued candidates worth more, whether any
    /// of their replacements improves, and passes over the scan when none does (true), or always scans (false: tests compare
    /// the two, whose picks and budgets must be the same).</summary>
    internal bool ScreensReplacementsInLanes { get; init; } = true;

    /// <summary>Whether some of the first <paramref name="worth"/> queued candidates (in view order) improves on
    /// <paramref name="bestDelta"/> by <see cref="ReplaceCostsQueued"/>'s costs: G·acc − (value_j − value_i), the scalar
    /// scan's test, the same operations per lane.</summary>
    private bool AnyReplacementBelow(int worth, double valueOfI, double bestDelta)
    {
        var width = Vector<double>.Count;
        var gv = new Vector<double>(_g);
        var vi = new Vector<double>(valueOfI);
        var bound = new Vector<double>(bestDelta);
        var below = Vector<long>.Zero;
        var lane = Vector<long>.Indices;
        var end = new Vector<long>(worth);
        for (var q = 0; q < worth; q += width)
        {
            var gain = new Vector<double>(_queued.Values(q, width)) - vi;
            var d = gv * new Vector<double>(_replaceAcc.AsSpan(q, width)) - gain;
            below |= Vector.LessThan(d, bound) & Vector.LessThan(lane + new Vector<long>(q), end);
        }
        return below != Vector<long>.Zero;
    }

    private void AssignQuiet(int i, int g)
    {
        _rankOf[i] = g;
        _worklist.Admit(i);
        _queued.MarkStale();
        _members.Add(i, g);
        _free[g]--;
        var column = _load.AsSpan(g * _rows, _rows);
        for (var h = 0; h < _rows; h++) column[h] += _soa[h * _stride + i];
    }
}
