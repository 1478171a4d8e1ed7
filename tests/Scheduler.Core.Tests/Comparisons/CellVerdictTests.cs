using Scheduler.Core.Comparisons;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;

namespace Scheduler.Core.Tests.Comparisons;

/// <summary>How <c>scheduler compare</c> reads a cell: every figure as times worse than the best, and issue 12's verdict.</summary>
public sealed class CellVerdictTests
{
    private static readonly Lazy<RunSummary> Template = new(() =>
        Simulator.Run(new Workload([new Request(0, 10, 2, 2)], "one"), PolicyCatalog.Create("fcfs"), new SimulationOptions(new ClusterShape(1, 1))).Summary);

    private static RunSummary Run(string policy, double throughput, double idle, double imbalance) =>
        Template.Value with { Policy = policy, Throughput = throughput, BarrierIdleFraction = idle, AvgImbalance = imbalance };

    [Theory]
    [InlineData(Figure.Throughput, 90.0, 100.0, 100.0 / 90.0)]
    [InlineData(Figure.Throughput, 100.0, 100.0, 1.0)]
    [InlineData(Figure.AvgImbalance, 150.0, 100.0, 1.5)]
    [InlineData(Figure.BarrierIdle, 0.0, 0.0, 1.0)]
    [InlineData(Figure.TtftP99, 2.0, 0.0, double.PositiveInfinity)]
    public void A_figure_reads_as_times_worse_than_the_best_whichever_way_it_points(Figure figure, double value, double best, double expected) =>
        Assert.Equal(expected, Figures.Penalty(figure, value, best), 12);

    [Fact]
    public void A_candidate_wins_only_within_one_percent_everywhere_and_with_a_fifth_less_imbalance()
    {
        Figure[] figures = [Figure.Throughput, Figure.BarrierIdle, Figure.AvgImbalance];
        RunSummary[] runs = [Run("a", 100, 0.10, 1000), Run("b", 99.5, 0.05, 700), Run("bfio", 99.2, 0.0505, 560)];

        var verdict = CellVerdict.Judge(runs, "bfio", ["a", "b"], figures);

        // Throughput 99.2 is within 1% of 100, idle 0.0505 within 1% of 0.05, imbalance 560 = 0.8 × 700: a win.
        Assert.True(verdict.Wins, string.Join("; ", verdict.Shortfalls));
    }

    [Fact]
    public void Each_losing_figure_is_named_with_its_best_rival()
    {
        Figure[] figures = [Figure.Throughput, Figure.BarrierIdle, Figure.AvgImbalance];
        RunSummary[] runs = [Run("a", 100, 0.10, 1000), Run("b", 90, 0.05, 700), Run("bfio", 98, 0.06, 600)];

        var verdict = CellVerdict.Judge(runs, "bfio", ["a", "b"], figures);

        Assert.Equal([Figure.Throughput, Figure.BarrierIdle, Figure.AvgImbalance], verdict.Shortfalls.Select(s => s.Figure));
        Assert.Equal(["a", "b", "b"], verdict.Shortfalls.Select(s => s.BestRival));
        Assert.Equal(600.0 / 700.0, verdict.Shortfalls[2].Penalty, 12);
    }

    [Fact]
    public void Policies_outside_the_rivals_do_not_count()
    {
        RunSummary[] runs = [Run("a", 100, 0.10, 1000), Run("bfio:predictor=online", 200, 0.0, 1), Run("bfio", 100, 0.10, 500)];

        Assert.True(CellVerdict.Judge(runs, "bfio", ["a"], [Figure.Throughput, Figure.AvgImbalance]).Wins);
    }
}
