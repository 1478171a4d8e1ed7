using Scheduler.Core.Comparisons;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Core.Tests.Workloads;
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
    public static TheoryData<string> ShapesBfioLeads => new() { "chat", "bursty", "long-context", "code", "mixed", "long-generation" };

    private static readonly string[] LengthFree = ["fcfs", "jsq", "round-robin", "vllm", "sglang-requests", "sglang-tokens", "trtllm", "p2c", "random"];


    private static RunSummary[] RunAll(string shapeName, params string[] policies) =>
        RunAll(shapeName, new ClusterShape(8, 16), fills: 8, seed: 1, policies);

    /// <summary>Every policy, backlogged, on <paramref name="fills"/>·G·B requests of a shape.</summary>
    private static RunSummary[] RunAll(string shapeName, ClusterShape shape, int fills, int seed, string[] policies)
    {
        var workload = ShapeGenerator.Generate(ShapeCatalog.Get(shapeName), fills * shape.Ranks * shape.BatchSize, seed);
        return policies.Select(p => Simulator.Run(workload, PolicyCatalog.Create(p), new SimulationOptions(shape) { RecordSteps = false }).Summary).ToArray();
    }

    [Theory]
    [MemberData(nameof(ShapesBfioLeads))]
    public void Bfio_balances_better_than_every_policy_that_reads_no_lengths_at_no_cost_in_throughput(string shape)
    {
        var runs = RunAll(shape, [.. LengthFree, "bfio"]);

        var verdict = CellVerdict.Judge(runs, "bfio", LengthFree, [Figure.Throughput, Figure.AvgImbalance], imbalanceShare: 1.0);

        Assert.True(verdict.Wins, string.Join("; ", verdict.Shortfalls));
    }

    /// <summary>
    /// Long generation (outputs of 1k–16k tokens, prompts under 1k) was the open case until life rows: the load is
    /// nearly all generated tokens, which leave far past the 16-step horizon, and bfio trailed the count and token
    /// balancers (1.21× vllm's imbalance here). Planning out to where the requests leave, it balances better than the
    /// paper's own BF-IO too, with its 72-step horizon or none.
    /// </summary>
    [Fact]
    public void On_long_generation_bfio_balances_better_than_the_papers_bfio_at_no_cost_in_throughput()
    {
        var runs = RunAll("long-generation", "bfio-ref", "bfio-ref:h=0", "bfio");

        var verdict = CellVerdict.Judge(runs, "bfio", ["bfio-ref", "bfio-ref:h=0"], [Figure.Throughput, Figure.AvgImbalance, Figure.BarrierIdle],
            imbalanceShare: 1.0);

        Assert.True(verdict.Wins, string.Join("; ", verdict.Shortfalls));
    }

    /// <summary>
    /// Big batches of short outputs (code completion at G=32, B=128, backlogged): a full cluster would lose more requests
    /// per step (4,096 slots over a mean output of about 28 tokens) than a backlog's window shows (4G = 128), so the calls
    /// never catch up, the cluster runs below full and the slots a call leaves free stay free. The step being decided is
    /// then set by where the few admitted now go. bfio planned as if the next call refilled every free slot, and idled
    /// more at the barrier than TensorRT-LLM's longest-prompt-first rule, at less throughput (seeds 1 and 3: 1.06× and
    /// 1.18× its barrier idle); it now fills such a step as it fills one under timed arrivals.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Where_departures_outrun_what_a_call_can_show_bfio_idles_less_at_the_barrier_than_trtllm(int seed)
    {
        var runs = RunAll("code", new ClusterShape(32, 128), fills: 4, seed, ["trtllm", "bfio"]);

        var verdict = CellVerdict.Judge(runs, "bfio", ["trtllm"], [Figure.Throughput, Figure.BarrierIdle], tolerance: 0.0);

        Assert.True(verdict.Wins, string.Join("; ", verdict.Shortfalls));
    }

    /// <summary>
    /// Overload (arrivals at 1.2× the cell's capacity, so the queue grows all run): the queue's tail sets TTFT p99, and
    /// bfio may reorder only the head of the queue (the first G waiting, and those that arrived with the last of them),
    /// so no request is passed over by a stream of later, lighter arrivals. Its TTFT p99 is then no worse than that of
    /// any policy that keeps arrival order or reads no lengths. (With a head of 4G it was 1.4–4.4× the best of them.)
    /// </summary>
    [Theory]
    [MemberData(nameof(ShapesBfioLeads))]
    public void Under_overload_bfio_keeps_time_to_first_token_p99_with_the_policies_that_keep_arrival_order(string shape)
    {
        var workload = TimedCell.Requests(shape, load: 1.2, seed: 1);
        var options = new SimulationOptions(TimedCell.Shape) { Arrivals = ArrivalMode.Trace, RecordSteps = false };
        var runs = LengthFree.Append("bfio").Select(p => Simulator.Run(workload, PolicyCatalog.Create(p), options).Summary).ToArray();

        var verdict = CellVerdict.Judge(runs, "bfio", LengthFree, [Figure.TtftP99]);

        Assert.True(verdict.Wins, string.Join("; ", verdict.Shortfalls));
    }
}
