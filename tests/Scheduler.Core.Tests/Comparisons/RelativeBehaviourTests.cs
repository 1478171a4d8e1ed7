using Scheduler.Core.Comparisons;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Core.Workloads;

namespace Scheduler.Core.Tests.Comparisons;

/// <summary>
/// Issue 12: behaviour, not tuned figures. On small generated workloads of every shape (G=8, B=16, each slot filled
/// eight times over, backlogged), bfio is judged against the policies users run today the way <c>scheduler compare</c>
/// judges it. Nothing here is a number fitted to a fixture: only "no worse than the others" within the tolerances
/// of <see cref="CellVerdict"/>.
/// </summary>
public sealed class RelativeBehaviourTests
{
    private static readonly string[] LengthFree = ["fcfs", "jsq", "round-robin", "vllm", "sglang-requests", "sglang-tokens", "trtllm", "p2c", "random"];


    private static RunSummary[] RunAll(string shapeName, params string[] policies)
    {
        var shape = new ClusterShape(8, 16);
        var workload = ShapeGenerator.Generate(ShapeCatalog.Get(shapeName), 8 * shape.Ranks * shape.BatchSize, seed: 1);
        return policies.Select(p => Simulator.Run(workload, PolicyCatalog.Create(p), new SimulationOptions(shape) { RecordSteps = false }).Summary).ToArray();
    }

    /// <param name="imbalanceShare">bfio's imbalance at most this share of the best other's. Long generation is the one
    /// shape where it only ties: outputs of 1k–16k tokens leave beyond any horizon worth planning, prompts are small
    /// against the tokens generated, so which rank takes a request barely matters and count-balancing rules (vllm)
    /// come within a few percent either way (docs/compare.md).</param>
    [Theory]
    [InlineData("chat", 1.0)]
    [InlineData("bursty", 1.0)]
    [InlineData("long-context", 1.0)]
    [InlineData("code", 1.0)]
    [InlineData("mixed", 1.0)]
    [InlineData("long-generation", 1.1)]
    public void Bfio_balances_better_than_every_policy_that_reads_no_lengths_at_no_cost_in_throughput(string shape, double imbalanceShare)
    {
        var runs = RunAll(shape, [.. LengthFree, "bfio"]);

        var verdict = CellVerdict.Judge(runs, "bfio", LengthFree, [Figure.Throughput, Figure.AvgImbalance], imbalanceShare: imbalanceShare);

        Assert.True(verdict.Wins, string.Join("; ", verdict.Shortfalls));
    }
}
