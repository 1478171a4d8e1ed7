using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>A critical candidate's moves and swaps, costed for every rank and partner at once (SIMD) instead of one at a time.</summary>
public sealed class CriticalExchangeLanesTests
{
    /// <summary>
    /// Property: a solver that costs and picks a critical candidate's moves and swaps in SIMD lanes (ranks for moves,
    /// candidates for swaps) places every candidate where one that costs them one at a time does, with the same objective
    /// and the same number of exchanges, also where a budget of evaluations cuts the search short (so both count the same
    /// evaluations). Up to 40 ranks, so the rank lanes span several widths and some end in padding;
    /// over the draws some moves or swaps are applied, or the property would not have exercised the picks.
    /// </summary>
    [Fact]
    public void Picking_moves_and_swaps_in_lanes_places_as_picking_them_one_at_a_time_does()
    {
        SolverTests.ExchangesAlikeOnBudgets(
            (seed, rng) => SolverTests.RandomProblem(seed, maxRanks: 40, maxFree: 6, maxCandidates: 120, maxRows: 8,
                refill: rng.Next(2) == 0, minCandidates: 10),
            budget => new GreedyExchangeSolver { ExactPolish = false, MaxEvaluations = budget },
            budget => new GreedyExchangeSolver { ExactPolish = false, MaxEvaluations = budget, CriticalExchangesInLanes = false });
    }
}
