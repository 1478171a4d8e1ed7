namespace Scheduler.Core.Policies.Bfio;

/// <summary>Ejection chains: several replacements together, where each alone would not pay.</summary>
public sealed partial class GreedyExchangeSolver
{
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
        _queued.MarkStale();
        _worklist.Reset(_count);
        for (var i = 0; i < _count; i++)
        {
            var g = _rankOf[i];
            if (g < 0) continue;
            _worklist.Admit(i);
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
}
