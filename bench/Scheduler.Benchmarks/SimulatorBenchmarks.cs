using BenchmarkDotNet.Attributes;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;

namespace Scheduler.Benchmarks;

/// <summary>
/// Whole simulated runs on the burst fixture (G=32, B=72, N=20,000): the reference's Python takes 5.5 s
/// for bfio-ref. Per-decision medians and p99s come from the same runs via `scheduler simulate`.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class SimulatorBenchmarks
{
    private Workload _workload = null!;

    [Params("fcfs", "jsq", "bfio-ref", "bfio-ref:h=0")]
    public string Policy { get; set; } = "bfio-ref";

    [GlobalSetup]
    public void Setup() => _workload = BenchData.BurstFixture();

    [Benchmark]
    public double WholeRun()
    {
        var result = Simulator.Run(_workload, PolicyCatalog.Create(Policy),
            new SimulationOptions(new ClusterShape(32, 72)) { RecordSteps = false });
        return result.Summary.AvgImbalance;
    }
}
