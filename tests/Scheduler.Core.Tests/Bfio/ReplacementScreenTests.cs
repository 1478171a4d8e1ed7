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
        SolverTests.ExchangesAlikeOnBudgets(
            (seed, rng) => SolverTests.RandomProblem(seed, maxRanks: 40, maxFree: rng.Next(2) == 0 ? 3 : 8,
                maxCandidates: 120, maxRows: 8, refill: rng.Next(2) == 0, minCandidates: 10),
            budget => new GreedyExchangeSolver { ExactPolish = false, MaxEvaluations = budget },
            budget => new GreedyExchangeSolver { ExactPolish = false, MaxEvaluations = budget, ScreensReplacementsInLanes = false });
    }
}
