using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Production;
using Scheduler.Core.Policies.Routing;
using Scheduler.Core.Simulation;
using Scheduler.Core.Workloads;

namespace Scheduler.Core.Tests.Policies;

/// <summary>
/// Every catalog policy is compiled before its first decision (<see cref="PolicyWarmUp"/>): a twin from the same spec runs
/// a made-up backlog, once per policy and spec in a process. What the tests can see is that the twin ran decisions and
/// that the policy handed out is left as made: its decisions are those of one made directly, random numbers and cursors
/// included. (What it buys, decisions that compile nothing, is measured in whole processes: bench/decision-time.sh.)
/// </summary>
public sealed class PolicyWarmUpTests
{
    private static Workload SmallChat() => ShapeGenerator.Generate(ShapeCatalog.Chat, count: 600, seed: 3);

    private static IReadOnlyList<Admission> Admissions(IPlacementPolicy policy) =>
        Simulator.Run(SmallChat(), policy, new SimulationOptions(new ClusterShape(4, 16)) { RecordSteps = false }).Admissions;

    private static IReadOnlyList<Admission> Admissions(IArrivalRouter router) =>
        Simulator.Run(SmallChat(), router, new SimulationOptions(new ClusterShape(4, 16)) { RecordSteps = false, Binding = BindingMode.Arrival })
            .Admissions;

    [Fact]
    public void A_catalog_policy_decides_as_one_made_directly_the_twin_not_the_policy_ran_the_warm_up()
    {
        // Seeded and stateful: a warm-up run on the policy itself would draw its random numbers first.
        Assert.Equal(Admissions(new RandomPolicy("random:seed=9", 9)), Admissions(PolicyCatalog.Create("random:seed=9")));
        Assert.Equal(Admissions(new PowerOfTwoChoicesPolicy("p2c:seed=9", 0, 9)), Admissions(PolicyCatalog.Create("p2c:seed=9")));
        Assert.True(PolicyWarmUp.HasRun(typeof(RandomPolicy), "random:seed=9"));
        Assert.True(PolicyWarmUp.HasRun(typeof(PowerOfTwoChoicesPolicy), "p2c:seed=9"));
    }

    [Fact]
    public void A_catalog_router_decides_as_one_made_directly()
    {
        // The round-robin router keeps its pointer across calls, the random one its random numbers.
        Assert.Equal(Admissions(new RoundRobinRouter("round-robin")), Admissions(ArrivalRouterCatalog.Create("round-robin")));
        Assert.Equal(Admissions(new RandomRouter("random:seed=4", 4)), Admissions(ArrivalRouterCatalog.Create("random:seed=4")));
        Assert.True(PolicyWarmUp.HasRun(typeof(RoundRobinRouter), "round-robin"));
        Assert.True(PolicyWarmUp.HasRun(typeof(RandomRouter), "random:seed=4"));
    }

    [Fact]
    public void Every_catalog_policy_but_bfio_is_warmed_up_when_made()
    {
        foreach (var name in PolicyCatalog.Names.Where(n => n != "bfio"))
        {
            var policy = PolicyCatalog.Create(name);
            Assert.True(PolicyWarmUp.HasRun(policy.GetType(), policy.Name), name);
        }
    }

    [Fact]
    public void The_twins_place_every_made_up_request_once_per_spec_and_process()
    {
        var spec = $"counting-{Guid.NewGuid():N}";
        var twins = new List<CountingPolicy>();
        Assert.True(PolicyWarmUp.Once(typeof(CountingPolicy), spec, () => Made(twins)));
        // One twin per made-up cluster, each driven through decisions until every request was admitted.
        Assert.Equal(2, twins.Count);
        Assert.All(twins, t => Assert.True(t.Calls > 1));
        Assert.All(twins, t => Assert.Equal(PolicyWarmUp.Requests().Length, t.Admitted));
        Assert.Equal([PolicyWarmUp.Shape.Ranks, PolicyWarmUp.WideShape.Ranks], twins.Select(t => t.Ranks));

        Assert.False(PolicyWarmUp.Once(typeof(CountingPolicy), spec, () => Made(twins)));
        Assert.Equal(2, twins.Count);
        Assert.True(PolicyWarmUp.HasRun(typeof(CountingPolicy), spec));
    }

    private static CountingPolicy Made(List<CountingPolicy> twins)
    {
        var twin = new CountingPolicy();
        twins.Add(twin);
        return twin;
    }

    /// <summary>First come first served onto the rank with most free slots, counting its calls and admissions.</summary>
    private sealed class CountingPolicy : IPlacementPolicy
    {
        public string Name => "counting";
        public int Calls { get; private set; }
        public int Admitted { get; private set; }
        public int Ranks { get; private set; }

        public void Place(ClusterView state)
        {
            Calls++;
            Ranks = state.Ranks;
            foreach (var id in state.Queue)
            {
                var best = 0;
                for (var g = 1; g < state.Ranks; g++)
                    if (state.FreeSlots(g) > state.FreeSlots(best)) best = g;
                if (state.FreeSlots(best) == 0) return;
                state.Admit(id, best);
                Admitted++;
            }
        }
    }
}
