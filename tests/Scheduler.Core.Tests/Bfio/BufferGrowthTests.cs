using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>bfio's buffers grow once per doubling, so a decision whose sizes creep does not allocate inside the call.</summary>
public sealed class BufferGrowthTests
{
    /// <summary>A G=128 ramp's sizes: 128 ranks, 14 planned rows, a window of about 512 candidates.</summary>
    private static PlacementProblem RampProblem(int candidates, int seed)
    {
        const int ranks = 128, rows = 14;
        var rng = new Random(seed);
        var p = new PlacementProblem();
        p.Reset(ranks, rows, candidates);
        for (var h = 0; h < rows; h++) p.Weights[h] = h == 0 ? 1.0 : Math.Pow(0.6, h - 1);
        for (var g = 0; g < ranks; g++)
        {
            var column = p.BaseColumn(g);
            var load = rng.Next(0, 20_000);
            for (var h = 0; h < rows; h++) column[h] = load + h;
            p.Free(g) = 4;
        }
        for (var i = 0; i < candidates; i++)
        {
            var prompt = rng.Next(50, 4000);
            var output = rng.Next(1, 2 * rows);
            var profile = p.Profile(i);
            for (var h = 0; h < rows; h++) profile[h] = h < output ? prompt + h : 0;
        }
        p.AdmitCount = candidates;
        p.Seal();
        return p;
    }

    /// <summary>
    /// 507 candidates, then 510 on the same 14 rows: padded to the SIMD width, rows × candidates goes 7,112 → 7,168, within
    /// the power of two the first solve grew to, so the second solve allocates nothing (growing to the exact length, as the
    /// solver did, regrew a dozen buffers there: 0.5–0.9 ms inside a G=128 decision).
    /// </summary>
    [Fact]
    public void A_solve_a_few_candidates_larger_allocates_nothing()
    {
        var solver = new GreedyExchangeSolver();
        var first = RampProblem(507, seed: 1);
        var next = RampProblem(510, seed: 2);
        solver.Solve(first, new int[first.Candidates]);
        var placed = new int[next.Candidates];
        var before = GC.GetAllocatedBytesForCurrentThread();
        solver.Solve(next, placed);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.All(placed, g => Assert.InRange(g, 0, 127)); // every candidate admitted: the solve did its work
    }

    /// <summary>
    /// Life rows reach 16,384 steps ahead on 16 planned rows: the plan takes buffers for those and for the horizon's decayed
    /// rows, not for every step ahead (3 × 16,385 entries, about 390 KB on the large-object heap, at each longer life).
    /// </summary>
    [Fact]
    public void Planning_life_rows_to_16384_steps_allocates_for_the_planned_rows_only()
    {
        var planned = new PlannedRows();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var count = planned.Plan(16_385, nowWeight: 1.0, decay: 0.6, horizon: 16, lifeWeight: 0.5, sample: true);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(16, count);
        Assert.Equal(16_384, planned.Rows[^1]);
        Assert.InRange(allocated, 1, 2_048);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7_112, 8_192)]
    [InlineData(7_168, 8_192)]
    [InlineData(8_192, 8_192)]
    [InlineData(8_193, 16_384)]
    public void Buffers_grow_to_the_power_of_two_at_or_above_the_length(int length, int capacity)
    {
        Assert.Equal(capacity, Buffers.Capacity(length));
        var array = new double[7_000];
        Buffers.Ensure(ref array, length);
        Assert.Equal(length <= 7_000 ? 7_000 : capacity, array.Length); // a buffer long enough is kept
    }
}
