using Scheduler.Core.Model;
using Scheduler.Core.Policies.Production;
using Scheduler.Core.Simulation;

namespace Scheduler.Core.Tests.Production;

public class ProductionPoliciesTests
{
    public static TheoryData<string> AllNames() => new(ProductionPolicies.Names);

    public static TheoryData<string> LoadAwareNames() =>
        new(ProductionPolicies.Names.Where(n => n != ProductionPolicies.Random));

    [Fact]
    public void Names_list_every_production_baseline()
    {
        Assert.Equal(["vllm", "sglang-requests", "sglang-tokens", "trtllm", "p2c", "random"], ProductionPolicies.Names);
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void Create_builds_each_policy_under_its_name(string name)
    {
        Assert.Equal(name, ProductionPolicies.Create(name, 0.05, 1).Name);
    }

    [Fact]
    public void Create_rejects_an_unknown_name_listing_the_accepted_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => ProductionPolicies.Create("sglang", 0, 0));
        Assert.Contains("'sglang'", error.Message);
        foreach (var name in ProductionPolicies.Names) Assert.Contains(name, error.Message);
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void Create_rejects_negative_staleness(string name)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ProductionPolicies.Create(name, -1, 0));
    }

    /// <summary>Rank 0 holds six requests that finish after the first step, rank 1 one long one; one
    /// request arrives per call. A stale balancer keeps seeing rank 0 loaded until the lag has passed.</summary>
    [Theory]
    [MemberData(nameof(LoadAwareNames))]
    public void A_stale_policy_keeps_its_old_snapshot_until_the_lag_has_passed(string name)
    {
        Assert.Equal([1, 1, 0], PlaceAcrossFinishingRequests(ProductionPolicies.Create(name, 1.0, 0)));
    }

    [Theory]
    [MemberData(nameof(LoadAwareNames))]
    public void A_policy_without_lag_sees_the_current_loads(string name)
    {
        Assert.Equal([1, 0, 0], PlaceAcrossFinishingRequests(ProductionPolicies.Create(name, 0, 0)));
    }

    private static int[] PlaceAcrossFinishingRequests(Scheduler.Core.Policies.IPlacementPolicy policy)
    {
        var requests = Enumerable.Repeat((100, 1), 6).Concat(Enumerable.Repeat((10, 100), 4)).ToArray();
        var cluster = new TestCluster(2, 8, requests);
        cluster.Activate(0, 0, 0, 0, 0, 0, 1);
        var ranks = new List<int>();

        cluster.Enqueue(1);
        ranks.AddRange(TestCluster.Ranks(cluster.Place(policy)));
        cluster.Step(0.4);
        Assert.Equal(0, cluster.State.ActiveCount(0));

        cluster.Enqueue(1);
        ranks.AddRange(TestCluster.Ranks(cluster.Place(policy)));
        cluster.Step(0.7);

        cluster.Enqueue(1);
        ranks.AddRange(TestCluster.Ranks(cluster.Place(policy)));
        return ranks.ToArray();
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void Capacity_is_read_live_even_when_loads_are_stale(string name)
    {
        var cluster = TestCluster.WithPrompts(2, 2, 10, 10, 10, 10);
        var policy = ProductionPolicies.Create(name, 10.0, 0);
        cluster.Enqueue(1);
        var first = cluster.Place(policy)[0].Rank;
        var other = 1 - first;
        // Another balancer fills the other rank after the snapshot: it still looks empty.
        cluster.Activate(other, other);

        cluster.Enqueue(1);

        Assert.Equal([first], TestCluster.Ranks(cluster.Place(policy, workConserving: true)));
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void Every_call_is_feasible_on_random_clusters(string name)
    {
        foreach (var stale in new[] { 0.0, 0.05 })
        {
            for (var seed = 0; seed < 25; seed++)
            {
                var random = new Random(seed);
                var ranks = random.Next(1, 7);
                var batch = random.Next(1, 6);
                var requests = Enumerable.Range(0, 60).Select(_ => (random.Next(1, 500), random.Next(1, 20))).ToArray();
                var cluster = new TestCluster(ranks, batch, requests);
                var policy = ProductionPolicies.Create(name, stale, seed);
                var workConserving = true;

                for (var call = 0; call < 60 * 20 + 1 && !cluster.State.AllFinished; call++)
                {
                    cluster.State.RevealUpTo(cluster.State.Ranks * 4);
                    cluster.Place(policy, workConserving);
                    if (cluster.State.ActiveTotal > 0) cluster.Step(0.01);
                }
                Assert.True(cluster.State.AllFinished, $"{name} seed {seed}: {cluster.State.FinishedCount} of 60 finished");
            }
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.02)]
    public void Every_policy_finishes_every_request_once_in_the_simulator(double stale)
    {
        var random = new Random(42);
        var requests = Enumerable.Range(0, 300)
            .Select(i => { var o = random.Next(1, 300); return new Request(i, random.Next(1, 2000), o, o); });
        var workload = new Workload(requests, "random-300");

        foreach (var name in ProductionPolicies.Names)
        {
            var result = Simulator.Run(workload, ProductionPolicies.Create(name, stale, 7),
                new SimulationOptions(new ClusterShape(4, 8)));

            Assert.True(result.FinalState.AllFinished, name);
            var admitted = new int[workload.Count];
            foreach (var a in result.Admissions) admitted[a.RequestId]++;
            for (var id = 0; id < workload.Count; id++)
            {
                Assert.Equal(1, admitted[id]);
                Assert.Equal(RequestPhase.Finished, result.FinalState.PhaseOf(id));
                Assert.False(double.IsNaN(result.FinalState.FinishTime(id)), $"{name}: request {id} has no finish time");
            }
            Assert.Equal(name, result.Summary.Policy);
        }
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void Placing_allocates_nothing_once_warmed_up(string name)
    {
        var random = new Random(3);
        // Enough requests that every round below still places some (about 7 a round).
        var requests = Enumerable.Range(0, 10_000)
            .Select(i => new Request(i, random.Next(1, 2000), random.Next(1, 8), 4));
        var state = new ClusterState(new Workload(requests, "alloc"), new ClusterShape(8, 4), recordAdmissions: false);
        var policy = ProductionPolicies.Create(name, 0.01, 1);
        var finished = new List<int>(64);

        void Round()
        {
            state.RevealUpTo(state.Shape.RevealWindow);
            policy.Place(state);
            state.CompactQueue();
            finished.Clear();
            state.AdvanceStep(0.004, finished);
        }

        for (var i = 0; i < 20; i++) Round();
        // Up to three windows of 200 rounds (ThreadAllocations): an allocation of the policy's own recurs in every window.
        ThreadAllocations.AssertNone(() => () =>
        {
            for (var i = 0; i < 200; i++) Round();
        });
        Assert.True(state.Queue.Length > 0, "the requests ran out: the last window measured no placing");
    }
}
