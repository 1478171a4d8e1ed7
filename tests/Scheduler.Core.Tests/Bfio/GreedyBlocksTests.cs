using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>The greedy fill's blocks (<see cref="GreedyBlocks"/>) bound every member's cost, and reading by them picks
/// exactly what reading every candidate in value order does.</summary>
public sealed class GreedyBlocksTests
{
    [Fact]
    public void A_blocks_bound_is_at_most_the_greedy_cost_of_each_of_its_candidates()
    {
        Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            var rows = rng.Next(1, 8);
            var live = rng.Next(1, 100);
            var stride = live + rng.Next(0, 8);
            var profiles = new double[rows * stride];
            var values = new double[stride];
            for (var k = 0; k < live; k++) values[k] = rng.Next(0, 50_000);
            Array.Sort(values, 0, live);
            Array.Reverse(values, 0, live); // descending, as the view holds them
            for (var h = 0; h < rows; h++)
                for (var k = 0; k < live; k++) profiles[h * stride + k] = rng.Next(3) == 0 ? 0 : rng.Next(1, 9000);
            var weights = Enumerable.Range(0, rows).Select(_ => rng.NextDouble()).ToArray();
            var margins = Enumerable.Range(0, rows).Select(_ => rng.Next(-20_000, 20_000) + 0.5).ToArray();
            var every = Enumerable.Range(0, rows).ToArray();
            double ranks = rng.Next(1, 129);
            var blocks = new GreedyBlocks();
            blocks.Rebuild(profiles, values, live, rows, stride);
            var bound = new double[blocks.Count + 8];
            blocks.Bounds(every, weights.Select(w => new Vector<double>(w)).ToArray(),
                margins.Select(m => new Vector<double>(m)).ToArray(), ranks, bound);
            for (var k = 0; k < live; k++)
            {
                var over = 0.0;
                for (var h = 0; h < rows; h++) over += weights[h] * Math.Max(0.0, profiles[h * stride + k] - margins[h]);
                var cost = ranks * over - values[k];
                if (bound[k / GreedyBlocks.Size] > cost + 1e-6 * (Math.Abs(cost) + 1)) return false;
            }
            return blocks.Count == (live + GreedyBlocks.Size - 1) / GreedyBlocks.Size;
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>
    /// Decisions of 20–400 candidates (2–25 blocks) on up to 64 ranks, with a refill level or not: the solver reading its
    /// view by blocks from the second block on places every candidate where the one reading every candidate in value order
    /// does, with the same objective and exchanges. Some draws bring mandatory candidates and aging bonuses, whose values the blocks
    /// bound the same way.
    /// </summary>
    [Fact]
    public void Reading_the_view_by_blocks_places_every_candidate_as_reading_it_all_does()
    {
        Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            var problem = SolverTests.RandomProblem(seed, maxRanks: 64, maxFree: 12, maxCandidates: 400, maxRows: 12,
                refill: rng.Next(2) == 0, minCandidates: 20);
            return SolverTests.SolveAlike(problem, new GreedyExchangeSolver { ExactPolish = false, BlockScanFrom = 1 },
                new GreedyExchangeSolver { ExactPolish = false, BlockScanFrom = int.MaxValue });
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>bfio's warm-up compiles the reading by blocks with a made-up decision: it must reach the blocks, or the first
    /// G=128 call that reads by blocks pays the compilation.</summary>
    [Fact]
    public void The_warm_ups_made_up_decision_reads_blocks_by_their_bounds() =>
        Assert.True(GreedyExchangeSolver.CompileBlockReading() > 0);
}
