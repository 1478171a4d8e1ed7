using Scheduler.Core.Policies.Routing;

namespace Scheduler.Core.Tests.Routing;

/// <summary>Each production router's defining rule in its arrival form, on hand-built clusters.</summary>
public sealed class RouterTests
{
    [Fact]
    public void Vllm_scores_four_times_waiting_plus_running_from_a_stale_snapshot_plus_what_it_sent_since()
    {
        // Rank 0 runs 2 (B = 2, full) with 1 more waiting in its queue; rank 1 runs 1; rank 2 is empty.
        var cluster = new ArrivalCluster(3, 2, Enumerable.Repeat(10, 20).ToArray());
        cluster.Run(0, 0, 1);
        cluster.Bind(0);
        var vllm = new VllmRouter(staleSeconds: 0.1);

        // Snapshot scores: rank 0 4·1 + 2 = 6, rank 1 1, rank 2 0. Each request sent counts 4 at once.
        // 1st → rank 2 (0); scores 6, 1, 4. 2nd → rank 1 (1); scores 6, 5, 4. 3rd → rank 2 (4); 6, 5, 8. 4th → rank 1.
        Assert.Equal([2, 1, 2, 1], cluster.Route(vllm, 4));

        // The cluster moves (rank 2 admits both) but within 100 ms the snapshot does not: rank 0 still scores 6,
        // rank 1 9, rank 2 8, so rank 0 wins though in truth it is the most loaded.
        cluster.State.AdmitFromBoundQueues();
        cluster.Step(0.05);
        Assert.Equal(0, cluster.Route(vllm));

        // Past 100 ms it reads the cluster again: rank 0 runs 2 with 2 waiting (10), rank 1 runs 2 with 1 waiting
        // (6), rank 2 runs 2 (2).
        cluster.Step(0.06);
        Assert.Equal(2, cluster.Route(vllm));
    }

    [Fact]
    public void Vllm_fills_an_idle_cluster_round_robin_and_defaults_to_a_100_ms_snapshot()
    {
        var cluster = new ArrivalCluster(4, 8, Enumerable.Repeat(10, 8).ToArray());
        var vllm = new VllmRouter();

        Assert.Equal(0.1, vllm.StaleSeconds);
        Assert.Equal([0, 1, 2, 3, 0, 1, 2, 3], cluster.Route(vllm, 8));
    }

    [Fact]
    public void Round_robin_cycles_whatever_the_ranks_hold()
    {
        var cluster = new ArrivalCluster(3, 1, Enumerable.Repeat(10, 10).ToArray());
        cluster.Run(0);

        Assert.Equal([0, 1, 2, 0, 1, 2, 0], cluster.Route(new RoundRobinRouter(), 7));
    }

    [Fact]
    public void Sglang_requests_counts_running_and_waiting_requests()
    {
        // Rank 0 runs 1 and queues 2 more; rank 1 runs 1 with a far longer prompt; rank 2 runs 2.
        var cluster = new ArrivalCluster(3, 2, 10, 5000, 10, 10, 10, 10, 10, 10, 10, 10);
        cluster.Run(0, 1, 2, 2);
        cluster.Bind(0, 0);
        var sglang = new SglangRequestsRouter(staleSeconds: 0);

        // Counts 3, 1, 2: rank 1, though it holds the most tokens; then 3, 2, 2 → rank 1 (lowest index); 3, 3, 2 → rank 2.
        Assert.Equal([1, 1, 2], cluster.Route(sglang, 3));
    }

    [Fact]
    public void Sglang_tokens_counts_the_prompts_waiting_in_a_rank_s_queue()
    {
        // Rank 0 runs a 300-token prompt and queues nothing; rank 1 runs 100 and queues 500 (B = 1).
        var cluster = new ArrivalCluster(2, 1, 300, 100, 500, 50, 50);
        cluster.Run(0, 1);
        cluster.Bind(1);
        var sglang = new SglangTokensRouter(staleSeconds: 0);

        // Running KV alone would say rank 1 (100 < 300); with its queued prompt it holds 600.
        Assert.Equal(0, cluster.Route(sglang));
        Assert.Equal(0.1, new SglangTokensRouter().StaleSeconds);
    }

    [Fact]
    public void Trtllm_keeps_request_counts_within_the_equal_count_cap_before_weighing_prompts()
    {
        // Rank 0 runs two short prompts (20 tokens), rank 1 one long one (1000).
        var cluster = new ArrivalCluster(2, 4, 10, 10, 1000, 30, 30, 30);
        cluster.Run(0, 0, 1);
        var trtllm = new TrtllmRouter();

        // Cap max(⌈(3 + 1)/2⌉, 2) = 2 shuts rank 0 out, so the request goes to the heavier rank 1; then counts are
        // 2 and 2, the cap 3, and prompt tokens decide: rank 0 (20 < 1030).
        Assert.Equal([1, 0], cluster.Route(trtllm, 2));
    }

    [Fact]
    public void P2c_takes_the_lighter_of_two_and_repeats_by_seed()
    {
        // With G = 2 the pair is always both ranks, so p2c is join-the-lighter: rank 1 (empty) until it outweighs rank 0.
        var two = new ArrivalCluster(2, 4, 100, 40, 40, 40, 40);
        two.Run(0);
        Assert.Equal([1, 1, 1, 0], two.Route(new PowerOfTwoChoicesRouter(seed: 5), 4));

        int[] Sequence(int seed) => new ArrivalCluster(16, 4, Enumerable.Repeat(10, 64).ToArray()).Route(new PowerOfTwoChoicesRouter(seed: seed), 64);
        Assert.Equal(Sequence(7), Sequence(7));
        Assert.NotEqual(Sequence(7), Sequence(8));
    }

    [Fact]
    public void Random_repeats_by_seed_and_reaches_every_rank()
    {
        int[] Sequence(int seed) => new ArrivalCluster(8, 4, Enumerable.Repeat(10, 200).ToArray()).Route(new RandomRouter(seed: seed), 200);

        Assert.Equal(Sequence(3), Sequence(3));
        Assert.NotEqual(Sequence(3), Sequence(4));
        Assert.Equal(8, Sequence(3).Distinct().Count());
    }
}
