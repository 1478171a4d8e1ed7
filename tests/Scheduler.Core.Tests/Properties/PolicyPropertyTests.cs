using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;

namespace Scheduler.Core.Tests.Properties;

/// <summary>For random small instances, every policy's output is feasible and every request finishes once.</summary>
public sealed class PolicyPropertyTests
{
    private static Workload RandomWorkload(int seed, int count, bool timed)
    {
        var rng = new Random(seed);
        var arrival = 0.0;
        var requests = new Request[count];
        for (var i = 0; i < count; i++)
        {
            // Mostly short prompts with an occasional long one, as in real traces.
            var prompt = rng.Next(10) == 0 ? rng.Next(500, 4000) : rng.Next(1, 300);
            var output = rng.Next(10) == 0 ? rng.Next(50, 400) : rng.Next(1, 40);
            var predicted = Math.Max(0, output + rng.Next(-5, 6));
            if (timed) arrival += rng.NextDouble() * 0.01;
            requests[i] = new Request(i, prompt, output, predicted, arrival);
        }
        return new Workload(requests, $"random(seed {seed})");
    }

    private static Gen<(int Seed, int Ranks, int Batch, int Count)> Instances =>
        from seed in Gen.Choose(0, int.MaxValue - 1)
        from ranks in Gen.Choose(1, 6)
        from batch in Gen.Choose(1, 6)
        from count in Gen.Choose(1, 120)
        select (seed, ranks, batch, count);

    public static IEnumerable<object[]> PolicyNames() => PolicyCatalog.Names.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(PolicyNames))]
    public void Every_policy_is_feasible_and_finishes_every_request_once_in_backlog(string policyName) =>
        CheckAll(policyName, ArrivalMode.Backlog);

    [Theory]
    [MemberData(nameof(PolicyNames))]
    public void Every_policy_is_feasible_and_finishes_every_request_once_with_timed_arrivals(string policyName) =>
        CheckAll(policyName, ArrivalMode.Trace);

    private static void CheckAll(string policyName, ArrivalMode arrivals)
    {
        Prop.ForAll(Instances.ToArbitrary(), instance =>
        {
            var (seed, ranks, batch, count) = instance;
            var workload = RandomWorkload(seed, count, arrivals == ArrivalMode.Trace);
            var policy = new FeasibilityCheckingPolicy(PolicyCatalog.Create(policyName, new PolicyDefaults { Horizon = seed % 3 == 0 ? 0 : 8, Seed = seed }));
            var result = Simulator.Run(workload, policy, new SimulationOptions(new ClusterShape(ranks, batch)) { Arrivals = arrivals });
            var state = result.FinalState;

            var admittedIds = result.Admissions.Select(a => a.RequestId).ToList();
            var finishedSum = result.Steps.Sum(s => s.Finished);
            return (policy.Violations.Count == 0).Label(string.Join("; ", policy.Violations.Take(3)))
                .And((admittedIds.Count == count && admittedIds.Distinct().Count() == count).Label("every request admitted exactly once"))
                .And((finishedSum == count).Label($"finished {finishedSum} of {count}"))
                .And(Enumerable.Range(0, count).All(i => state.PhaseOf(i) == RequestPhase.Finished && !double.IsNaN(state.FinishTime(i)))
                    .Label("every request finished"))
                .And(Enumerable.Range(0, count).All(i => state.FinishTime(i) >= state.StartTime(i) && state.StartTime(i) >= state.ArrivalSeconds(i))
                    .Label("arrival ≤ start ≤ finish"));
        }).QuickCheckThrowOnFailure();
    }
}

/// <summary>Queues longer than bfio-ref's 1,024-candidate window take its windowed path instead of the sorted one.</summary>
public sealed class LongQueueTests
{
    [Theory]
    [InlineData("bfio-ref")]
    [InlineData("bfio-ref:h=0")]
    [InlineData("bfio")]
    public void A_queue_longer_than_the_candidate_window_is_served_feasibly_to_the_end(string policyName)
    {
        var rng = new Random(11);
        // Timed arrivals all at t=0: the queue holds all 3,000 at once, three times the window.
        var requests = Enumerable.Range(0, 3000).Select(i => new Request(i, rng.Next(1, 2000), rng.Next(1, 30), rng.Next(1, 30))).ToArray();
        var policy = new FeasibilityCheckingPolicy(PolicyCatalog.Create(policyName));

        var result = Simulator.Run(new Workload(requests, "long queue"), policy,
            new SimulationOptions(new ClusterShape(4, 16)) { Arrivals = ArrivalMode.Trace });

        Assert.Empty(policy.Violations);
        Assert.Equal(3000, result.FinalState.FinishedCount);
        Assert.Equal(3000, result.Admissions.Select(a => a.RequestId).Distinct().Count());
    }
}
