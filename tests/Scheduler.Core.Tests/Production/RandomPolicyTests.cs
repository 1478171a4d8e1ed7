using Scheduler.Core.Policies.Production;

namespace Scheduler.Core.Tests.Production;

public class RandomPolicyTests
{
    [Fact]
    public void Only_ranks_with_free_slots_receive()
    {
        var cluster = TestCluster.WithPrompts(4, 2, 10, 10, 10, 10, 10, 10, 10, 10);
        cluster.Activate(0, 0, 1, 1, 2, 2);
        cluster.Enqueue(2);

        Assert.Equal([3, 3], TestCluster.Ranks(cluster.Place(new RandomPolicy(seed: 5))));
    }

    [Fact]
    public void Ranks_are_drawn_about_uniformly()
    {
        var cluster = TestCluster.WithPrompts(4, 1000, Enumerable.Repeat(10, 4000).ToArray());
        cluster.Enqueue(4000);

        var placed = cluster.Place(new RandomPolicy(seed: 11));

        for (var g = 0; g < 4; g++)
            Assert.InRange(placed.Count(a => a.Rank == g), 850, 1150);
    }

    [Fact]
    public void The_same_seed_repeats_the_same_placements()
    {
        Assert.Equal(Placements(7), Placements(7));
        Assert.NotEqual(Placements(7), Placements(8));
    }

    private static int[] Placements(int seed)
    {
        var cluster = TestCluster.WithPrompts(16, 4, Enumerable.Repeat(10, 64).ToArray());
        cluster.Enqueue(64);
        return TestCluster.Ranks(cluster.Place(new RandomPolicy(seed: seed)));
    }
}
