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
        SolverTests.ExchangesAlikeOnBudgets(
            (seed, rng) =>
            {
                var everyone = rng.Next(2) == 0;
                return SolverTests.RandomProblem(seed, maxRanks: 40, maxFree: everyone ? 12 : 6,
                    maxCandidates: everyone ? 60 : 120, maxRows: 8, refill: rng.Next(2) == 0, minCandidates: 10);
            },
            budget => new GreedyExchangeSolver { ExactPolish = false, MaxEvaluations = budget },
            budget => new GreedyExchangeSolver { ExactPolish = false, MaxEvaluations = budget, SkipsHopelessSwaps = false });
    }
}
