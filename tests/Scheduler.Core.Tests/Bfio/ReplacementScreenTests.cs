using FsCheck;
using FsCheck.Fluent;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>A search off the critical ranks passes over its replacements when their costs, SIMD, show that none improves.</summary>
public sealed class ReplacementScreenTests
{
    /// <summary>
    /// Property: a solver that screens the replacements of a candidate off the critical ranks in lanes (and scans them only
    /// when one might improve) places every candidate where one that always scans them does, with the same objective,
    /// exchanges and greedy rows, also where a budget of evaluations cuts the search short (so the two must charge the
    /// same evaluations). Up to 40 ranks and 120 candidates, more candidates than free slots in most draws (replacements to
    /// cost), with a refill level or not; over the draws some replacements are applied.
    /// </summary>
    [Fact]
    public void Screening_replacements_in_lanes_places_as_scanning_them_does()
    {
        var exchanged = 0;
        Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            var problem = SolverTests.RandomProblem(seed, maxRanks: 40, maxFree: rng.Next(2) == 0 ? 3 : 8,
                maxCandidates: 120, maxRows: 8, refill: rng.Next(2) == 0, minCandidates: 10);
            var budget = rng.Next(2) == 0 ? 0 : rng.Next(20, 2000);
            var screening = new GreedyExchangeSolver { ExactPolish = false, MaxEvaluations = budget };
            var scanning = new GreedyExchangeSolver { ExactPolish = false, MaxEvaluations = budget, ScreensReplacementsInLanes = false };
            var alike = SolverTests.SolveAlike(problem, screening, scanning);
            exchanged += screening.Exchanges;
            return alike;
        }).QuickCheckThrowOnFailure();
        Assert.True(exchanged > 0, "no draw applied an exchange");
    }
}
