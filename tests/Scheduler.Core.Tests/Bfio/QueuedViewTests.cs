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

    /// <summary>
    /// The view alone: after any sequence of replacements traded in place (one queued candidate admitted, one admitted
    /// candidate queued again) it holds exactly what a rebuild from the value order holds: the queued candidates in value
    /// order, their values and their profiles row by row, zeros past the last up to the SIMD width.
    /// </summary>
    [Theory]
    [InlineData(3, 1)]
    [InlineData(40, 6)]
    [InlineData(130, 4)]
    public void Traded_in_place_the_view_is_what_a_rebuild_makes(int count, int rows)
    {
        var random = new Random(count * 10 + rows);
        var width = System.Numerics.Vector<double>.Count;
        var stride = Math.Max(width, (count + width - 1) / width * width);
        var values = new double[stride];
        for (var i = 0; i < count; i++) values[i] = random.Next(50); // ties: ordered by index
        var profiles = new double[rows * stride];
        for (var k = 0; k < profiles.Length; k++) profiles[k] = random.NextDouble() * 1000;
        var byValue = Enumerable.Range(0, count).OrderByDescending(i => values[i]).ThenBy(i => i).ToArray();
        var valuePlace = new int[count];
        for (var k = 0; k < count; k++) valuePlace[byValue[k]] = k;
        var rankOf = Enumerable.Range(0, count).Select(_ => random.Next(3) - 1).ToArray(); // a third queued (−1)
        if (rankOf.All(r => r >= 0)) rankOf[0] = -1;
        if (rankOf.All(r => r < 0)) rankOf[^1] = 0;

        var kept = new QueuedView();
        kept.Reserve(rows, stride, count);
        kept.Refresh(byValue, rankOf, values, profiles, rows, stride);
        for (var trade = 0; trade < 3 * count; trade++)
        {
            var queued = Enumerable.Range(0, count).Where(i => rankOf[i] < 0).ToArray();
            var admitted = Enumerable.Range(0, count).Where(i => rankOf[i] >= 0).ToArray();
            if (queued.Length == 0 || admitted.Length == 0) break;
            var inGoes = queued[random.Next(queued.Length)];
            var outGoes = admitted[random.Next(admitted.Length)];
            rankOf[inGoes] = rankOf[outGoes];
            rankOf[outGoes] = -1;
            kept.MarkStale();
            kept.Trade(inGoes, outGoes, valuePlace, values, profiles);
            Assert.False(kept.Stale);

            var rebuilt = new QueuedView();
            rebuilt.Reserve(rows, stride, count);
            rebuilt.Refresh(byValue, rankOf, values, profiles, rows, stride);
            Assert.Equal(byValue.Where(i => rankOf[i] < 0), rebuilt.Ids.ToArray());
            Assert.Equal(rebuilt.Ids.ToArray(), kept.Ids.ToArray());
            var lanes = (kept.Length + width - 1) / width * width;
            Assert.Equal(rebuilt.Values(0, lanes).ToArray(), kept.Values(0, lanes).ToArray());
            for (var h = 0; h < rows; h++)
                Assert.Equal(rebuilt.Profiles(h, lanes).ToArray(), kept.Profiles(h, lanes).ToArray());
            Assert.All(kept.Values(kept.Length, lanes - kept.Length).ToArray(), v => Assert.Equal(0.0, v));
        }
    }
}
