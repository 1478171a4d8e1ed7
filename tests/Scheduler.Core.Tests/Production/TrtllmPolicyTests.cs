using Scheduler.Core.Policies.Production;

namespace Scheduler.Core.Tests.Production;

public class TrtllmPolicyTests
{
    [Fact]
    public void It_ignores_generated_tokens()
    {
        var cluster = SglangTokensPolicyTests.GeneratedTokensTipTheBalance();

        var placed = cluster.Place(new TrtllmPolicy(), workConserving: false);

        // Prompt tokens only: rank 0 holds 50, rank 1 holds 100, whatever rank 0 has generated.
        Assert.Equal([0], TestCluster.Ranks(placed));
    }

    [Fact]
    public void The_longest_prompt_is_placed_first()
    {
        var cluster = TestCluster.WithPrompts(2, 8, 10, 100, 50);
        cluster.Enqueue(3);

        var placed = cluster.Place(new TrtllmPolicy(), workConserving: false);

        Assert.Equal([1, 2, 0], placed.Select(a => a.RequestId));
        // In queue order the 10 would have taken rank 0 and the 100 rank 1.
        Assert.Equal([0, 1, 1], TestCluster.Ranks(placed));
    }

    [Fact]
    public void Equal_prompts_keep_their_queue_order()
    {
        var cluster = TestCluster.WithPrompts(3, 8, 10, 10, 10);
        cluster.Enqueue(3);

        var placed = cluster.Place(new TrtllmPolicy(), workConserving: false);

        Assert.Equal([0, 1, 2], placed.Select(a => a.RequestId));
        Assert.Equal([0, 1, 2], TestCluster.Ranks(placed));
    }

    [Fact]
    public void No_rank_takes_more_than_its_equal_share_of_a_batch()
    {
        var cluster = TestCluster.WithPrompts(2, 8, 1000, 10, 10, 10);
        cluster.Enqueue(4);

        var placed = cluster.Place(new TrtllmPolicy(), workConserving: false);

        // Rank 1 is far lighter, but after two of the four it is at ⌈4/2⌉ and the last goes to rank 0.
        Assert.Equal([0, 1, 1, 0], TestCluster.Ranks(placed));
    }

    [Fact]
    public void Equal_prompt_tokens_go_to_the_rank_with_fewer_requests()
    {
        var cluster = TestCluster.WithPrompts(2, 8, 50, 50, 100, 10);
        cluster.Activate(0, 0, 1);
        cluster.Enqueue(1);

        Assert.Equal([1], TestCluster.Ranks(cluster.Place(new TrtllmPolicy(), workConserving: false)));
    }

    [Fact]
    public void The_cap_counts_active_requests_so_no_free_slot_waits_beside_a_queued_request()
    {
        var cluster = TestCluster.WithPrompts(2, 2, 10, 10, 10, 10, 10, 10);
        cluster.Activate(0, 0);
        cluster.Enqueue(4);

        var placed = cluster.Place(new TrtllmPolicy(), workConserving: true);

        // Batch = min(4 queued, 2 free) = 2; cap max(⌈(2 + 2)/2⌉, 2) = 2 lets rank 1 take both.
        Assert.Equal([1, 1], TestCluster.Ranks(placed));
        Assert.Equal(0, cluster.State.FreeSlots(1));
    }

    [Fact]
    public void A_rank_already_above_the_equal_share_takes_nothing_from_the_batch()
    {
        var cluster = TestCluster.WithPrompts(2, 8, 10, 10, 10, 10, 10, 10);
        cluster.Activate(0, 0, 0);
        cluster.Enqueue(2);

        var placed = cluster.Place(new TrtllmPolicy(), workConserving: true);

        // Totals 3 + 0 with 2 new: cap max(⌈5/2⌉, 3) = 3, rank 0 is at 3, so both go to rank 1.
        Assert.Equal([1, 1], TestCluster.Ranks(placed));
    }
}
