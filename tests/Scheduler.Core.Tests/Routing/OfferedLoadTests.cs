using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Routing;
using Scheduler.Core.Simulation;
using Scheduler.Core.Workloads;

namespace Scheduler.Core.Tests.Routing;

/// <summary>--load ρ: arrivals rescaled to ρ × capacity, capacity being fcfs's backlogged completion rate, so a run that
/// keeps up is busy ρ of the time in the same units.</summary>
public sealed class OfferedLoadTests
{
    private static readonly ClusterShape Shape = new(4, 16);

    // A steady trace: chat lengths, Poisson arrivals (any rate: --load rescales it).
    private static Workload Steady() => ShapeGenerator.Generate(ShapeCatalog.Chat, 6000, seed: 4, ratePerSecond: 10);

    [Fact]
    public void Rescaled_arrivals_offer_exactly_rho_times_capacity()
    {
        var workload = Steady();

        var loaded = OfferedLoad.AtLoad(workload, 0.8, 250.0);

        Assert.Equal(200.0, OfferedLoad.ArrivalRate(loaded), 9);
        Assert.Equal(workload.Requests.Select(r => r.PromptTokens), loaded.Requests.Select(r => r.PromptTokens));
    }

    [Theory]
    [InlineData(BindingMode.Pool)]
    [InlineData(BindingMode.Arrival)]
    public void At_load_0_8_a_steady_trace_keeps_the_cluster_busy_0_8_of_its_capacity(BindingMode binding)
    {
        var workload = Steady();
        var capacity = OfferedLoad.Capacity(workload, Shape);
        var loaded = OfferedLoad.AtLoad(workload, 0.8, capacity);
        var options = new SimulationOptions(Shape) { Arrivals = ArrivalMode.Trace, Binding = binding, RecordSteps = false };

        var run = binding == BindingMode.Pool
            ? Simulator.Run(loaded, new FcfsPolicy(), options)
            : Simulator.Run(loaded, new RoundRobinRouter(), options);

        Assert.InRange(OfferedLoad.Utilisation(run.Summary, capacity), 0.77, 0.83);
    }

    [Fact]
    public void Past_capacity_the_cluster_saturates_near_one()
    {
        var workload = Steady();
        var capacity = OfferedLoad.Capacity(workload, Shape);

        var run = Simulator.Run(OfferedLoad.AtLoad(workload, 1.2, capacity), new FcfsPolicy(),
            new SimulationOptions(Shape) { Arrivals = ArrivalMode.Trace, RecordSteps = false });

        Assert.InRange(OfferedLoad.Utilisation(run.Summary, capacity), 0.95, 1.05);
        Assert.True(run.Summary.QueueDelayP99 > 1.0, "an overloaded cluster builds a queue");
    }

    [Fact]
    public void Untimed_requests_have_no_rate_to_rescale()
    {
        var backlog = new Workload([new Request(0, 10, 2, 2), new Request(1, 10, 2, 2)], "backlog");

        var error = Assert.Throws<ArgumentException>(() => OfferedLoad.AtLoad(backlog, 0.8, 10));

        Assert.Contains("timed arrivals", error.Message);
    }
}
