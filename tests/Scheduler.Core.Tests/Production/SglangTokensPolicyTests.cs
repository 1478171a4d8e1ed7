using Scheduler.Core.Policies.Production;

namespace Scheduler.Core.Tests.Production;

public class SglangTokensPolicyTests
{
    /// <summary>Rank 0: one request, prompt 50 with 60 generated (110 KV tokens); rank 1: prompt 100, none
    /// generated. By prompts rank 0 is lighter, by KV tokens rank 1.</summary>
    internal static TestCluster GeneratedTokensTipTheBalance()
    {
        var cluster = TestCluster.WithPrompts(2, 8, 50, 100, 10);
        cluster.Activate(0);
        cluster.Step(times: 60);
        cluster.Activate(1);
        cluster.Enqueue(1);
        return cluster;
    }

    [Fact]
    public void It_counts_generated_tokens_in_the_load()
    {
        var cluster = GeneratedTokensTipTheBalance();

        var placed = cluster.Place(new SglangTokensPolicy());

        Assert.Equal([1], TestCluster.Ranks(placed));
    }

    [Fact]
    public void Equal_tokens_go_to_the_rank_with_fewer_requests()
    {
        var cluster = TestCluster.WithPrompts(2, 8, 50, 50, 100, 10);
        cluster.Activate(0, 0, 1);
        cluster.Enqueue(1);

        Assert.Equal([1], TestCluster.Ranks(cluster.Place(new SglangTokensPolicy())));
    }

    [Fact]
    public void Prompts_sent_in_the_same_call_count_toward_the_load()
    {
        var cluster = TestCluster.WithPrompts(2, 8, 100, 10, 10);
        cluster.Enqueue(3);

        var placed = cluster.Place(new SglangTokensPolicy());

        // By request counts the third would go back to rank 0; by tokens rank 1 (10) is still lighter.
        Assert.Equal([0, 1, 1], TestCluster.Ranks(placed));
    }
}
