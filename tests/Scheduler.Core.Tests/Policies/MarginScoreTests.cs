using FsCheck;
using FsCheck.Fluent;
using Scheduler.Core.Policies;

namespace Scheduler.Core.Tests.Policies;

/// <summary>bfio-ref's fast greedy pick must always equal the reference's own evaluation (stable sort, prefix sums).</summary>
public sealed class MarginScoreTests
{
    private static (double[] Column, double[] Envelope, long[] Candidates) Instance(int seed)
    {
        var rng = new Random(seed);
        var rows = rng.Next(1, 74);
        var column = new double[rows];
        var envelope = new double[rows];
        // Non-increasing integer loads with runs of equal values, as projections are.
        double c = rng.Next(0, 60_000), e = c + rng.Next(0, 20_000);
        for (var t = 0; t < rows; t++)
        {
            if (rng.Next(4) == 0) c = Math.Max(0, c - rng.Next(0, 3_000));
            if (rng.Next(4) == 0) e = Math.Max(c, e - rng.Next(0, 3_000));
            column[t] = c;
            envelope[t] = rng.Next(6) == 0 ? c : e;
        }
        var n = rng.Next(1, 130);
        var candidates = new long[n];
        for (var i = 0; i < n; i++)
        {
            var size = rng.Next(10) == 0 ? rng.Next(1, 15_000) : rng.Next(1, 600);
            if (rng.Next(8) == 0 && i > 0) size = (int)(candidates[rng.Next(i)] >> 32); // repeated sizes
            candidates[i] = ((long)size << 32) | (uint)i;
        }
        Array.Sort(candidates);
        return (column, envelope, candidates);
    }

    [Fact]
    public void The_fast_pick_equals_the_exact_evaluation_on_random_projections()
    {
        Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed =>
        {
            var (column, envelope, candidates) = Instance(seed);
            var exact = new MarginScore();
            exact.Build(column, envelope);
            var expected = exact.ArgMax(candidates);
            var fast = new MarginScore().ArgMaxFast(column, envelope, candidates);
            return (fast == expected).Label($"seed {seed}: fast {fast}, exact {expected}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
    }

    [Fact]
    public void Equal_sizes_resolve_to_the_earliest_in_queue_order()
    {
        double[] column = [100, 100, 50];
        double[] envelope = [1_000, 900, 300];
        // Margins 900, 800, 250: past 250 the score falls, so 300 beats 700; of the two 300s the earlier wins.
        long[] candidates = [(300L << 32) | 5, (300L << 32) | 2, (700L << 32) | 1];
        Array.Sort(candidates);

        var pick = new MarginScore().ArgMaxFast(column, envelope, candidates);

        Assert.Equal(300L, candidates[pick] >> 32);
        Assert.Equal(2L, candidates[pick] & 0xFFFFFFFF);
    }

    [Fact]
    public void The_fast_pick_decides_most_instances_without_the_exact_path()
    {
        // The fast pick falls back to the exact evaluation only on near-ties; if it fell back always it would be
        // correct but no faster.
        var score = new MarginScore();
        for (var seed = 0; seed < 1_000; seed++)
        {
            var (column, envelope, candidates) = Instance(seed);
            score.ArgMaxFast(column, envelope, candidates);
        }
        Assert.True(score.ExactFallbacks < 50, $"{score.ExactFallbacks} of 1000 picks ran the exact path");
    }

    [Fact]
    public void The_fast_score_is_within_its_rounding_bound_of_the_exact_one()
    {
        Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed =>
        {
            var (column, envelope, candidates) = Instance(seed);
            var exact = new MarginScore();
            exact.Build(column, envelope);
            var fast = new MarginScore();
            fast.PrepareFast(column, envelope);
            var largest = candidates[^1] >> 32;
            var bound = fast.FastRoundingBound(largest);
            return candidates.All(c => Math.Abs(fast.EvaluateFast(c >> 32) - exact.Evaluate(c >> 32)) <= bound)
                .Label($"seed {seed}").And((fast.SafeBound == exact.SafeBound).Label($"seed {seed}: safe bound"));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000));
    }
}
