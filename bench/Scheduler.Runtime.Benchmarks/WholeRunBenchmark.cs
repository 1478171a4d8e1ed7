using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Hosting;

namespace Scheduler.Runtime.Benchmarks;

/// <summary>
/// A whole backlogged run of the burst fixture (G=32, B=72, N=20000): Simulator.Run against the actor
/// runtime with the cost-model engine. The runtime's time includes forming the cluster, starting 32 rank
/// entities and shutting down, as `scheduler run` pays them; the Ratio column is the figure asked for.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5, invocationCount: 1)]
[MedianColumn]
public class WholeRunBenchmark
{
    private Workload _workload = null!;
    private readonly ClusterShape _shape = new(32, 72);

    [Params("fcfs", "bfio-ref")]
    public string Policy { get; set; } = "fcfs";

    [GlobalSetup]
    public void Setup() => _workload = Fixture.Burst();

    [Benchmark(Baseline = true)]
    public RunSummary Simulate() =>
        Simulator.Run(_workload, PolicyCatalog.Create(Policy), new SimulationOptions(_shape)).Summary;

    [Benchmark]
    public RunSummary RuntimeRun() =>
        RuntimeRunner.RunAsync(new RuntimeRunRequest { Input = RequestInput.Of(_workload), Shape = _shape, Policy = PolicyCatalog.Create(Policy) })
            .GetAwaiter().GetResult().Summary;
}
