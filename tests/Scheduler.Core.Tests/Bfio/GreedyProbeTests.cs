using FsCheck;
using FsCheck.Fluent;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>The greedy fill costs the width of its last pick first, for a bound on each scan from its start.</summary>
public sealed class GreedyProbeTests
{
    /// <summary>
    /// Property: a solver that costs the last pick's width first places every candidate where one scanning in value order
    /// only does, with the same objective, the same exchanges and the same greedy rows. Up to 64 ranks and 400 candidates,
    /// with a refill level or not (with one, every rank sets room aside for all its free slots and most candidates overshoot
    /// it, as when a cluster fills from empty), read by blocks from the second block on, from the default length, or never,
    /// so the probe falls in the value-order scan, in a block read again, or past the end of a view that shrank.
    /// </summary>
    [Fact]
    public void Costing_the_last_picks_width_first_places_as_a_scan_in_value_order_does()
    {
        int[] blockScans = [1, 16, int.MaxValue];
        Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            var problem = SolverTests.RandomProblem(seed, maxRanks: 64, maxFree: 12, maxCandidates: 400, maxRows: 12,
                refill: rng.Next(2) == 0, minCandidates: 2);
            var blockScan = blockScans[rng.Next(blockScans.Length)];
            var probing = new GreedyExchangeSolver { ExactPolish = false, BlockScanFrom = blockScan };
            var scanning = new GreedyExchangeSolver { ExactPolish = false, BlockScanFrom = blockScan, ProbesLastPick = false };
            return SolverTests.SolveAlike(problem, probing, scanning);
        }).QuickCheckThrowOnFailure();
    }
}
