using Scheduler.Core.Comparisons;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;
using Scheduler.Core.Policies.Routing;
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

    /// <summary>
    /// G=4, B=4: two requests running on each rank, one on rank 0 leaving after this step and one on rank 1 after the
    /// next, and two more waiting with room for both (the solver states the problem: routing the few is off).
    /// </summary>
    private static PlacementProblem StatedProblem()
    {
        var requests = new List<Request>
        {
            new(0, 900, 1, 1, 0.0), new(1, 400, 40, 40, 0.0),
            new(2, 500, 2, 2, 0.0), new(3, 400, 40, 40, 0.0),
            new(4, 450, 40, 40, 0.0), new(5, 400, 40, 40, 0.0),
            new(6, 420, 40, 40, 0.0), new(7, 400, 40, 40, 0.0),
            new(8, 300, 20, 20, 0.0), new(9, 200, 20, 20, 0.0),
        };
        var state = new ClusterState(new Workload(requests, "refill"), new ClusterShape(4, 4));
        state.RevealArrivedBy(double.PositiveInfinity);
        for (var i = 0; i < 8; i++) state.Admit(i, i / 2);
        state.CompactQueue();
        state.BeginPolicyCall();
        var policy = new BfioPolicy(new BfioSettings { RouteFew = false }, new OraclePredictor());
        policy.Place(state);
        Assert.Equal(10, state.Admissions.Count);
        return policy.LastProblem;
    }

    [Fact]
    public void The_row_read_right_after_this_step_has_no_refill_level_though_a_request_leaves_before_it()
    {
        var problem = StatedProblem();

        // Rows planned: h = 0, 1, 2, 4, … (row k is h = k for the first three). Request 0 leaves after this step, so
        // row 1's total is below row 0's, yet no call admits anything before that row is read.
        var rowTotal = (int row) => Enumerable.Range(0, problem.ScoredRanks).Sum(g => problem.BaseColumn(g)[row]);
        Assert.True(rowTotal(1) < rowTotal(0), "a request should leave before row 1");
        Assert.Equal(0.0, problem.RefillColumn[1]);
    }

    [Fact]
    public void A_row_ahead_is_refilled_to_where_this_call_leaves_the_total_with_its_admissions()
    {
        var problem = StatedProblem();

        // Row 2: requests 0 and 2 have left. Refilled to the running requests' total alone, the level would be the water
        // level of what they left; the call's own admissions (requests 8 and 9, 500 tokens now) raise it further.
        var ranks = problem.ScoredRanks;
        var rows = problem.Rows;
        var loads = new double[ranks * rows];
        for (var g = 0; g < ranks; g++) problem.BaseColumn(g).CopyTo(loads.AsSpan(g * rows, rows));
        var total = (int row) => Enumerable.Range(0, ranks).Sum(g => loads[g * rows + row]);
        var runningOnly = WaterFill.Level(loads, 2, rows, ranks, total(0) - total(2));
        var withAdmissions = WaterFill.Level(loads, 2, rows, ranks, total(0) + 500 - total(2));

        Assert.Equal(withAdmissions, problem.RefillColumn[2], 6);
        Assert.True(withAdmissions > runningOnly);
    }

    /// <summary>
    /// Timed code completion at G=32, B=72 (outputs of 5–50 tokens, so the next calls refill most of every row ahead):
    /// refilled only to the total before its own admissions, bfio read the ranks those admissions go to as standing
    /// above the level ahead and paid for it in the step it decided, 1.08× trtllm's barrier idle at both loads (seed 1).
    /// </summary>
    [Theory]
    [InlineData(0.8)]
    [InlineData(1.2)]
    public void With_timed_code_completion_bfio_idles_no_more_at_the_barrier_than_trtllm_and_balances_better(double load)
    {
        var shape = new ClusterShape(32, 72);
        var count = shape.Ranks * shape.BatchSize * 8;
        var capacity = OfferedLoad.Capacity(ShapeGenerator.Generate(ShapeCatalog.Get("code"), count, 1), shape);
        var workload = ShapeGenerator.Generate(ShapeCatalog.Get("code"), count, 1, load * capacity);
        var options = new SimulationOptions(shape) { Arrivals = ArrivalMode.Trace, RecordSteps = false };
        var runs = new[] { "trtllm", "bfio" }.Select(p => Simulator.Run(workload, PolicyCatalog.Create(p), options).Summary).ToArray();

        var verdict = CellVerdict.Judge(runs, "bfio", ["trtllm"], [Figure.BarrierIdle, Figure.AvgImbalance]);

        Assert.True(verdict.Wins, string.Join("; ", verdict.Shortfalls));
    }
}
