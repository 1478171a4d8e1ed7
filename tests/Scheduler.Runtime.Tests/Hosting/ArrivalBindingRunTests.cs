using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Routing;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Hosting;

/// <summary>Binding on arrival through the actor runtime: the balancer routes as the simulator's loop does, so a replay
/// matches the simulator admission by admission.</summary>
public sealed class ArrivalBindingRunTests
{
    private static readonly ClusterShape Shape = new(8, 16);

    private static Workload Timed(double rate, int count = 2000) =>
        new SyntheticWorkload(count, Seed: 5) { RatePerSecond = rate, PromptMax = 1024, OutputMax = 96 }.ToWorkload();

    [Theory]
    [InlineData("vllm", ArrivalMode.Trace)]
    [InlineData("sglang-tokens", ArrivalMode.Trace)]
    [InlineData("p2c", ArrivalMode.Backlog)]
    public async Task A_replay_bound_on_arrival_matches_the_simulator(string router, ArrivalMode arrivals)
    {
        var workload = Timed(1500);
        var simulated = Simulator.Run(arrivals == ArrivalMode.Backlog ? workload.AsBacklog() : workload, ArrivalRouterCatalog.Create(router),
            new SimulationOptions(Shape) { Arrivals = arrivals, Binding = BindingMode.Arrival });

        var run = await RuntimeRunner.RunAsync(new RuntimeRunRequest
        {
            Input = RequestInput.Of(arrivals == ArrivalMode.Backlog ? workload.AsBacklog() : workload),
            Shape = Shape,
            Router = ArrivalRouterCatalog.Create(router),
            Arrivals = arrivals,
        });

        RunAssert.SameAdmissions(simulated.Admissions, run.Admissions);
        RunAssert.SameMetrics(simulated.Summary, run.Summary);
        Assert.Equal(router, run.Summary.Policy);
    }

    [Fact]
    public async Task A_run_takes_a_policy_or_a_router_not_both()
    {
        var request = new RuntimeRunRequest
        {
            Input = RequestInput.Of(Timed(100, 10)),
            Shape = Shape,
            Policy = PolicyCatalog.Create("fcfs"),
            Router = new RoundRobinRouter(),
        };

        await Assert.ThrowsAsync<ArgumentException>(() => RuntimeRunner.RunAsync(request));
        await Assert.ThrowsAsync<ArgumentException>(() => RuntimeRunner.RunAsync(request with { Policy = null, Router = null }));
    }
}
