using FsCheck;
using FsCheck.Fluent;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>Swaps off the critical ranks that cannot lower any maximum are passed over without being costed.</summary>
public sealed class HopelessSwapTests
{
    /// <summary>
    /// Property: a solver that passes over the swaps that cannot improve (no candidate on a critical rank is heavier than
    /// the one searched on that rank's rows and fits in its place) places every candidate where one costing every swap
    /// does, with the same objective and the same exchanges, also where a budget of evaluations cuts the search short (so
    /// the two must count the same evaluations). Up to 40 ranks and 120 candidates, with a refill level or not, half the
    /// draws with every candidate admitted (no replacement to cost, only swaps); over the draws some swaps are applied.
    /// </summary>
    [Fact]
    public void Passing_over_hopeless_swaps_places_as_costing_every_swap_does()
    {
        var exchanged = 0;
        Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            var everyone = rng.Next(2) == 0;
            var problem = SolverTests.RandomProblem(seed, maxRanks: 40, maxFree: everyone ? 12 : 6,
                maxCandidates: everyone ? 60 : 120, maxRows: 8, refill: rng.Next(2) == 0, minCandidates: 10);
            var budget = rng.Next(2) == 0 ? 0 : rng.Next(20, 2000);
            var skipping = new GreedyExchangeSolver { ExactPolish = false, MaxEvaluations = budget };
            var costing = new GreedyExchangeSolver { ExactPolish = false, MaxEvaluations = budget, SkipsHopelessSwaps = false };
            var alike = SolverTests.SolveAlike(problem, skipping, costing);
            exchanged += skipping.Exchanges;
            return alike;
        }).QuickCheckThrowOnFailure();
        Assert.True(exchanged > 0, "no draw applied an exchange");
    }
}
