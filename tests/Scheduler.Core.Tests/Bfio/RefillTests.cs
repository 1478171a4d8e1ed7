using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Core.Workloads;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>
/// bfio's rows ahead with a refill level (<see cref="Scheduler.Core.Policies.Bfio.BfioSettings.Refill"/>): where requests
/// live a few steps, the slots their departures free are refilled by the next calls, so a placement is judged by the
/// step it sets rather than by departures that make a rank look empty ahead.
/// </summary>
public sealed class RefillTests
{
    private static readonly ClusterShape Shape = new(8, 72);

    private static double BarrierIdle(string shape, int seed, string spec)
    {
        var requests = ShapeGenerator.Generate(ShapeCatalog.Get(shape), Shape.Ranks * Shape.BatchSize * 8, seed);
        var options = new SimulationOptions(Shape) { RecordSteps = false };
        return Simulator.Run(requests, PolicyCatalog.Create(spec), options).Summary.BarrierIdleFraction;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void On_a_code_completion_backlog_bfio_idles_less_at_the_barrier_with_the_refill_level_than_without_and_than_trtllm(int seed)
    {
        var refill = BarrierIdle("code", seed, "bfio");
        var without = BarrierIdle("code", seed, "bfio:refill=0");
        var trtllm = BarrierIdle("code", seed, "trtllm");

        Assert.True(refill < without, $"seed {seed}: barrier idle {refill:F5} with the refill level, {without:F5} without");
        Assert.True(refill < trtllm, $"seed {seed}: barrier idle {refill:F5} with the refill level, trtllm {trtllm:F5}");
    }
}
