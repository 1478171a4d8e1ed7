using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>The exchanges' view of the queued candidates in value order, kept current through each exchange instead of
/// rebuilt after it.</summary>
public sealed class QueuedViewTests
{
    /// <summary>
    /// Property: a solver that keeps the queued view current through replacements (two entries traded, those between them
    /// moved by one) and through moves and swaps (the view left as it is) places every candidate where one that rebuilds
    /// the view after every exchange does, with the same objective, also where a budget cuts the search short. The draws
    /// leave candidates queued, so replacements are tried; over the draws some exchanges are applied, or the property
    /// would not have exercised the view.
    /// </summary>
    [Fact]
    public void Keeping_the_queued_view_through_exchanges_places_as_rebuilding_it_does()
    {
        SolverTests.ExchangesAlikeOnBudgets(
            (seed, rng) => SolverTests.RandomProblem(seed, maxRanks: 16, maxFree: 6, maxCandidates: 120, maxRows: 8,
                refill: rng.Next(2) == 0, minCandidates: 10),
            budget => new GreedyExchangeSolver { ExactPolish = false, MaxEvaluations = budget },
            budget => new GreedyExchangeSolver { ExactPolish = false, MaxEvaluations = budget, KeepsQueuedView = false });
    }
}
