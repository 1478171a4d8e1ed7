using Scheduler.Core.Policies.Production;

namespace Scheduler.Core.Tests.Production;

public class SglangRequestsPolicyTests
{
    [Fact]
    public void It_counts_requests_not_tokens()
    {
        var cluster = TestCluster.WithPrompts(2, 8, 10, 10, 1000, 10);
        cluster.Activate(0, 0, 1);
        cluster.Enqueue(1);

        var placed = cluster.Place(new SglangRequestsPolicy());

        // Rank 1 holds 1000 tokens against rank 0's 20, but one request against two.
        Assert.Equal([1], TestCluster.Ranks(placed));
    }

    [Fact]
    public void Requests_sent_in_the_same_call_count_as_waiting()
    {
        var cluster = TestCluster.WithPrompts(2, 8, 10, 10, 10);
        cluster.Enqueue(3);

        var placed = cluster.Place(new SglangRequestsPolicy());

        Assert.Equal([0, 1, 0], TestCluster.Ranks(placed));
    }

    [Fact]
    public void Equal_counts_go_to_the_lowest_index()
    {
        var cluster = TestCluster.WithPrompts(3, 8, 10, 10);
        cluster.Activate(0);
        cluster.Enqueue(1);

        Assert.Equal([1], TestCluster.Ranks(cluster.Place(new SglangRequestsPolicy())));
    }
}
