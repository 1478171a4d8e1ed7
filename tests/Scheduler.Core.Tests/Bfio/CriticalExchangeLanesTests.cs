using FsCheck;
using FsCheck.Fluent;
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
        var exchanged = 0;
        Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            var problem = SolverTests.RandomProblem(seed, maxRanks: 40, maxFree: 6, maxCandidates: 120, maxRows: 8,
                refill: rng.Next(2) == 0, minCandidates: 10);
            // Half the draws on a budget small enough to cut the search short: the two must count the same evaluations.
            var budget = rng.Next(2) == 0 ? 0 : rng.Next(20, 2000);
            var lanes = new GreedyExchangeSolver { ExactPolish = false, MaxEvaluations = budget };
            var single = new GreedyExchangeSolver { ExactPolish = false, MaxEvaluations = budget, CriticalExchangesInLanes = false };
            var alike = SolverTests.SolveAlike(problem, lanes, single);
            exchanged += lanes.Exchanges;
            return alike;
        }).QuickCheckThrowOnFailure();
        Assert.True(exchanged > 0, "no draw applied an exchange");
    }
}
