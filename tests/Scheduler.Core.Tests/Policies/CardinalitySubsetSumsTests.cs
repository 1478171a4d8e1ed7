using Scheduler.Core.Policies;

namespace Scheduler.Core.Tests.Policies;

/// <summary>
/// The exact-cardinality subset sums bfio-ref's fine fill searches: the bitsets cut at the largest sum the search can ask
/// about answer as the full ones do, and the first-reach table, never cleared, answers as a fresh one after runs on
/// other items.
/// </summary>
public sealed class CardinalitySubsetSumsTests
{
    [Fact]
    public void Bitsets_cut_at_the_sums_needed_answer_the_fine_fills_queries_as_the_full_ones()
    {
        var random = new Random(12);
        var full = new CardinalitySubsetSums();
        var cut = new CardinalitySubsetSums();
        var cutShorter = 0;
        for (var trial = 0; trial < 400; trial++)
        {
            var sizes = Enumerable.Range(0, random.Next(1, 40)).Select(_ => random.Next(1, random.Next(2, 3000))).ToArray();
            var kMax = Math.Min(sizes.Length, random.Next(1, 8));
            var descending = sizes.OrderDescending().ToArray();
            var capMax = descending.Take(kMax).Sum(x => (long)x);
            var lightest = descending.TakeLast(kMax).Sum(x => (long)x);
            var safe = (long)random.Next(0, (int)capMax + 2);
            var needed = Math.Min(capMax, ReferenceBfioPolicy.SumsNeeded(safe, descending[0], lightest));
            if (needed < capMax) cutShorter++;
            full.Run(sizes, kMax, capMax);
            cut.Run(sizes, kMax, needed);
            var prefix = capMax;
            for (var k = kMax; k >= 1; k--)
            {
                var capK = prefix;
                prefix -= descending[k - 1];
                Assert.Equal(full.LargestAtMost(k, safe), cut.LargestAtMost(k, safe));
                Assert.Equal(full.SmallestInRange(k, safe + 1, capK), cut.SmallestInRange(k, safe + 1, capK));
            }
        }
        Assert.True(cutShorter > 100, $"only {cutShorter} of 400 trials cut the bitsets short");
    }

    [Fact]
    public void Backtracking_after_runs_on_other_items_answers_as_a_fresh_instance()
    {
        var random = new Random(5);
        var reused = new CardinalitySubsetSums();
        for (var trial = 0; trial < 200; trial++)
        {
            var sizes = Enumerable.Range(0, random.Next(1, 30)).Select(_ => random.Next(1, 500)).ToArray();
            var k = Math.Min(sizes.Length, random.Next(1, 6));
            var cap = sizes.OrderDescending().Take(k).Sum(x => (long)x);
            var fresh = new CardinalitySubsetSums();
            fresh.Run(sizes, k, cap);
            reused.Run(sizes, k, cap);
            for (var j = 0; j < k; j++)
                for (var sum = 0L; sum <= cap; sum += 1 + sum / 7)
                    for (var i = 0; i <= sizes.Length; i += 3)
                        Assert.Equal(fresh.ReachableBefore(j, sum, i), reused.ReachableBefore(j, sum, i));
        }
    }

    [Fact]
    public void One_item_sums_answer_as_the_bitsets_do()
    {
        // With k = 1 the sizes are scanned instead of building bitsets; a k = 2 run's one-item row is the reference.
        var random = new Random(31);
        var single = new CardinalitySubsetSums();
        var bitsets = new CardinalitySubsetSums();
        for (var trial = 0; trial < 300; trial++)
        {
            var sizes = Enumerable.Range(0, random.Next(2, 50)).Select(_ => random.Next(0, 2_000)).ToArray();
            var cap = (long)random.Next(1, 2_500);
            single.Run(sizes, 1, cap);
            bitsets.Run(sizes, 2, cap);
            for (var probe = 0; probe < 20; probe++)
            {
                long a = random.Next(-5, 2_600), b = random.Next(-5, 2_600);
                Assert.Equal(bitsets.LargestAtMost(1, a), single.LargestAtMost(1, a));
                Assert.Equal(bitsets.SmallestInRange(1, Math.Min(a, b), Math.Max(a, b)), single.SmallestInRange(1, Math.Min(a, b), Math.Max(a, b)));
                Assert.Equal(bitsets.LargestAtMost(0, a), single.LargestAtMost(0, a));
                Assert.Equal(bitsets.SmallestInRange(0, a, b), single.SmallestInRange(0, a, b));
                Assert.Equal(bitsets.ReachableBefore(0, a, 3), single.ReachableBefore(0, a, 3));
            }
        }
    }
}
