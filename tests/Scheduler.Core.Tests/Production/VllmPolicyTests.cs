using Scheduler.Core.Policies.Production;

namespace Scheduler.Core.Tests.Production;

public class VllmPolicyTests
{
    [Fact]
    public void A_request_sent_since_the_snapshot_weighs_four_running_ones()
    {
        var cluster = TestCluster.WithPrompts(2, 10, 10, 10, 10, 10, 10);
        cluster.Activate(0, 0, 0);
        cluster.Enqueue(2);

        var placed = cluster.Place(new VllmPolicy());

        // Rank 1 scores 4·1 + 0 = 4 after the first request, worse than rank 0's 3 running.
        Assert.Equal([1, 0], TestCluster.Ranks(placed));
    }

    [Fact]
    public void Equal_scores_go_to_the_first_rank_from_the_rotating_scan_start()
    {
        var cluster = TestCluster.WithPrompts(2, 10, 10, 10, 10, 10, 10, 10);
        cluster.Activate(0, 0, 0, 0);
        cluster.Enqueue(2);

        var placed = cluster.Place(new VllmPolicy());

        // Second request: both ranks score 4; the scan now starts at rank 1, so rank 1 wins.
        Assert.Equal([1, 1], TestCluster.Ranks(placed));
    }

    [Fact]
    public void An_idle_cluster_is_filled_round_robin()
    {
        var cluster = TestCluster.WithPrompts(3, 10, 10, 10, 10, 10);
        cluster.Enqueue(4);

        var placed = cluster.Place(new VllmPolicy());

        Assert.Equal([0, 1, 2, 0], TestCluster.Ranks(placed));
    }

    [Fact]
    public void The_scan_start_carries_over_between_calls()
    {
        var cluster = new TestCluster(3, 4, (10, 1), (10, 100));
        var policy = new VllmPolicy();
        cluster.Enqueue(1);
        Assert.Equal([0], TestCluster.Ranks(cluster.Place(policy)));
        cluster.Step();
        Assert.Equal(0, cluster.State.ActiveTotal);

        cluster.Enqueue(1);
        var placed = cluster.Place(policy);

        // An empty cluster again, but the scan starts one rank further on.
        Assert.Equal([1], TestCluster.Ranks(placed));
    }

    [Fact]
    public void It_takes_the_name_it_was_created_under() =>
        Assert.Equal("vllm-stale", new VllmPolicy("vllm-stale", 0.05).Name);
}
