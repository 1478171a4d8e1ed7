using Scheduler.Core.Policies.Production;

namespace Scheduler.Core.Tests.Production;

public class PowerOfTwoChoicesPolicyTests
{
    [Fact]
    public void With_two_ranks_it_takes_the_one_with_fewer_kv_tokens()
    {
        for (var seed = 0; seed < 20; seed++)
        {
            var cluster = SglangTokensPolicyTests.GeneratedTokensTipTheBalance();

            var placed = cluster.Place(new PowerOfTwoChoicesPolicy(seed: seed));

            // Rank 1 holds 100 prompt tokens, rank 0 50 + 60 generated: rank 1 has fewer KV tokens.
            Assert.Equal([1], TestCluster.Ranks(placed));
        }
    }

    [Fact]
    public void The_most_loaded_rank_never_wins_while_another_is_open()
    {
        for (var seed = 0; seed < 50; seed++)
        {
            var prompts = Enumerable.Repeat(10, 7).Append(1000).Concat(Enumerable.Repeat(1, 7)).ToArray();
            var cluster = TestCluster.WithPrompts(8, 8, prompts);
            cluster.Activate(0, 1, 2, 3, 4, 5, 6, 7);
            cluster.Enqueue(7);

            var placed = cluster.Place(new PowerOfTwoChoicesPolicy(seed: seed));

            Assert.DoesNotContain(7, TestCluster.Ranks(placed));
        }
    }

    [Fact]
    public void The_last_open_rank_takes_the_rest()
    {
        var cluster = TestCluster.WithPrompts(3, 2, 10, 10, 10, 10, 10, 10);
        cluster.Activate(0, 0, 1, 1);
        cluster.Enqueue(2);

        Assert.Equal([2, 2], TestCluster.Ranks(cluster.Place(new PowerOfTwoChoicesPolicy(seed: 3))));
    }

    [Fact]
    public void The_same_seed_repeats_the_same_placements()
    {
        Assert.Equal(Placements(7), Placements(7));
        Assert.NotEqual(Placements(7), Placements(8));
    }

    private static int[] Placements(int seed)
    {
        var prompts = Enumerable.Range(0, 64).Select(i => 1 + (i * 37 % 500)).ToArray();
        var cluster = TestCluster.WithPrompts(16, 4, prompts);
        cluster.Enqueue(64);
        return TestCluster.Ranks(cluster.Place(new PowerOfTwoChoicesPolicy(seed: seed)));
    }
}
