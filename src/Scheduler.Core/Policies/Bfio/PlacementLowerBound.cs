using System.Buffers;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// A lower bound on the optimum of a <see cref="PlacementProblem"/>, cheap enough to compute at every
/// decision (O(Rows · (C log C + G log G)), independent of the loads' magnitudes), for measuring how far a
/// solver's placement can be from optimal where the exact solver cannot finish.
/// <para>
/// Relaxation: every row h and the bonus term choose their own admitted set, and the admitted mass of a row
/// may be split arbitrarily over the ranks with free slots, rank g taking at most the sum of the F_g largest
/// a_i(h) (no more than F_g candidates fit there). Then Σ_g L_g(h) = T_h + A for admitted mass A, and the
/// least possible max_g L_g(h) is the water level: M_h = max_g P_g(h) while A ≤ C_h (the mass that fits
/// under M_h within those caps), above that M_h plus the capped water fill of the excess. The row term
/// G·level(A) − T_h − A falls with slope −1 up to C_h and then rises with slope G/n − 1 ≥ 0 (n ≤ G ranks
/// still rising), so its minimum over the admissible masses [Amin_h, Amax_h] is at A = clamp(C_h, ...).
/// The bonus term is at least −(the AdmitCount largest bonuses, mandatory ones forced in).
/// Assumes a_i(h) ≥ 0 (loads only grow when a request joins), as every BF-IO projection is.
/// </para>
/// </summary>
public static class PlacementLowerBound
{
    public static double Compute(PlacementProblem p)
    {
        var ranks = p.Ranks;
        var rows = p.Rows;
        var candidates = p.Candidates;
        var admit = p.AdmitCount;
        var mandatoryCount = 0;
        for (var i = 0; i < candidates; i++) if (p.Mandatory(i)) mandatoryCount++;
        var optional = candidates - mandatoryCount;
        var optionalAdmitted = Math.Max(0, admit - mandatoryCount);

        // One pooled scratch array per call: all values of a row sorted, the optional ones sorted, the
        // prefix sums of the largest values, and the ranks' residual capacities above M_h.
        var length = 2 * candidates + (candidates + 1) + ranks;
        var rented = ArrayPool<double>.Shared.Rent(Math.Max(1, length));
        try
        {
            var scratch = rented.AsSpan(0, length);
            var all = scratch[..candidates];
            var optionalValues = scratch.Slice(candidates, optional);
            var largest = scratch.Slice(2 * candidates, candidates + 1); // largest[r] = Σ of the r largest a_i(h)
            var residual = scratch.Slice(3 * candidates + 1, ranks);

            var bound = -AdmittedBonusAtMost(p, optionalValues, optionalAdmitted);
            var weights = p.Weights;
            for (var h = 0; h < rows; h++)
            {
                var mandatoryMass = 0.0;
                var o = 0;
                for (var i = 0; i < candidates; i++)
                {
                    var a = p.Profile(i)[h];
                    all[i] = a;
                    if (p.Mandatory(i)) mandatoryMass += a;
                    else optionalValues[o++] = a;
                }
                all.Sort();
                optionalValues.Sort();
                largest[0] = 0.0;
                for (var r = 1; r <= candidates; r++) largest[r] = largest[r - 1] + all[candidates - r];
                var minMass = mandatoryMass;
                var maxMass = mandatoryMass;
                for (var r = 0; r < optionalAdmitted; r++)
                {
                    minMass += optionalValues[r];
                    maxMass += optionalValues[optional - 1 - r];
                }
                bound += weights[h] * RowMinimum(p, h, admit, minMass, maxMass, largest, residual);
            }
            return bound;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>The largest Σ b_i over admissible sets: every mandatory bonus and the largest optional ones.</summary>
    private static double AdmittedBonusAtMost(PlacementProblem p, Span<double> optionalBonuses, int optionalAdmitted)
    {
        var total = 0.0;
        var o = 0;
        for (var i = 0; i < p.Candidates; i++)
        {
            if (p.Mandatory(i)) total += p.Bonus(i);
            else optionalBonuses[o++] = p.Bonus(i);
        }
        optionalBonuses.Sort();
        for (var r = 0; r < optionalAdmitted; r++) total += optionalBonuses[optionalBonuses.Length - 1 - r];
        return total;
    }

    /// <summary>min over admitted mass A ∈ [minMass, maxMass] of G·level(A) − T_h − A (see the class summary).</summary>
    private static double RowMinimum(PlacementProblem p, int h, int admit, double minMass, double maxMass,
        ReadOnlySpan<double> largest, Span<double> residual)
    {
        var ranks = p.Ranks;
        var (max, total) = PlacementProblem.RowMaxAndSum(p.BaseLoads, ranks, p.ScoredRanks, p.Rows, h);
        // Under M_h each free rank takes up to min(M_h − P_g, cap_g); what a rank can take beyond that
        // raises the level, and is its residual capacity.
        var underMax = 0.0;
        var capacity = 0.0;
        var freeRanks = 0;
        var rising = 0;
        for (var g = 0; g < ranks; g++)
        {
            var free = Math.Min(p.Free(g), admit);
            if (free <= 0) continue;
            freeRanks++;
            var cap = largest[Math.Min(free, largest.Length - 1)];
            var room = max - p.BaseColumn(g)[h];
            underMax += Math.Min(room, cap);
            capacity += cap;
            if (cap > room) residual[rising++] = cap - room;
        }
        // Every admissible set fits within the caps, so maxMass beyond the total capacity is never reached
        // (minMass ≤ capacity up to rounding for a feasible problem).
        var mass = Math.Clamp(underMax, minMass, Math.Max(minMass, Math.Min(maxMass, capacity)));
        var level = max;
        var excess = mass - underMax;
        if (excess > 0) level += WaterRise(residual[..rising], excess, freeRanks);
        return (double)p.ScoredRanks * level - total - mass;
    }

    /// <summary>
    /// The rise x above M_h with Σ_g min(x, residual_g) = excess: the water fill of ranks that each stop at
    /// their residual capacity. Beyond every capacity (only by rounding) the rest spreads over all free ranks,
    /// which only lowers the level, so the bound stays valid.
    /// </summary>
    private static double WaterRise(Span<double> residual, double excess, int freeRanks)
    {
        residual.Sort();
        var previous = 0.0;
        var open = residual.Length;
        foreach (var r in residual)
        {
            var step = (r - previous) * open;
            if (step >= excess) return previous + excess / open;
            excess -= step;
            previous = r;
            open--;
        }
        return previous + excess / Math.Max(1, freeRanks);
    }
}
