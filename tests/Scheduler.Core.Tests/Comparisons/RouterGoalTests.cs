using Scheduler.Core.Comparisons;
using Scheduler.Core.Model;

namespace Scheduler.Core.Tests.Comparisons;

/// <summary>Issue 13's goal for bfio's router: lower imbalance, TTFT p99 no higher and throughput no lower than every rival.</summary>
public sealed class RouterGoalTests
{
    private static RouterFigures Figures(string policy, double imbalance, double throughput, double ttftP99) =>
        new(policy, imbalance, 0.1, throughput, ttftP99 / 10, ttftP99, 2 * ttftP99);

    [Fact]
    public void The_goal_is_met_with_less_imbalance_and_ttft_and_throughput_within_one_percent_of_every_rival()
    {
        var goal = RouterGoal.Judge(Figures("bfio", 900, 99.5, 1.005), [Figures("vllm", 1000, 100, 1.0), Figures("trtllm", 950, 100, 1.2)]);

        Assert.True(goal.Met, string.Join("; ", goal.Misses));
        // Worst: throughput 100/99.5 against both.
        Assert.Equal(100 / 99.5, goal.WorstPenalty, 12);
    }

    [Fact]
    public void Equal_imbalance_misses_the_goal_for_imbalance_must_be_lower()
    {
        var goal = RouterGoal.Judge(Figures("bfio", 1000, 100, 1.0), [Figures("vllm", 1000, 100, 1.0)]);

        var miss = Assert.Single(goal.Misses);
        Assert.Equal(("imbalance", "vllm", 1.0), (miss.Figure, miss.Rival, miss.TimesWorse));
    }

    [Fact]
    public void Each_missed_figure_is_named_with_the_rival_and_how_many_times_worse()
    {
        var goal = RouterGoal.Judge(Figures("bfio", 500, 90, 1.5), [Figures("vllm", 1000, 100, 1.0), Figures("p2c", 400, 95, 2.0)]);

        Assert.False(goal.Met);
        Assert.Equal([("TTFT p99", "vllm"), ("throughput", "vllm"), ("imbalance", "p2c"), ("throughput", "p2c")],
            goal.Misses.Select(m => (m.Figure, m.Rival)));
        Assert.Equal([1.5, 100 / 90.0, 500 / 400.0, 95 / 90.0], goal.Misses.Select(m => m.TimesWorse), (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(1.5, goal.WorstPenalty, 12);
    }

    [Fact]
    public void A_candidate_better_everywhere_has_a_worst_ratio_below_one()
    {
        var goal = RouterGoal.Judge(Figures("bfio", 500, 110, 0.8), [Figures("vllm", 1000, 100, 1.0), Figures("trtllm", 800, 105, 0.9)]);

        Assert.True(goal.Met);
        // The closest call: throughput 110 against trtllm's 105.
        Assert.Equal(105 / 110.0, goal.WorstPenalty, 12);
        Assert.True(goal.WorstPenalty < 1);
    }

    [Fact]
    public void A_zero_ttft_rival_makes_any_positive_ttft_infinitely_worse_and_no_rivals_is_an_error()
    {
        var goal = RouterGoal.Judge(Figures("bfio", 1, 100, 0.5), [Figures("vllm", 2, 100, 0.0)]);

        Assert.Equal(double.PositiveInfinity, Assert.Single(goal.Misses).TimesWorse);
        Assert.Throws<ArgumentException>(() => RouterGoal.Judge(Figures("bfio", 1, 1, 1), []));
    }

    [Fact]
    public void Figures_average_over_seeds_figure_by_figure_and_only_for_one_policy()
    {
        var mean = RouterFigures.Mean([Figures("bfio", 100, 10, 1.0), Figures("bfio", 300, 30, 3.0)]);

        Assert.Equal(new RouterFigures("bfio", 200, 0.1, 20, 0.2, 2.0, 4.0), mean);
        Assert.Throws<ArgumentException>(() => RouterFigures.Mean([Figures("bfio", 1, 1, 1), Figures("vllm", 1, 1, 1)]));
        Assert.Throws<ArgumentException>(() => RouterFigures.Mean([]));
    }

    [Fact]
    public void A_cell_with_arrival_binding_says_so_and_differs_from_the_pool_cell()
    {
        var pool = new ComparisonCell("azure", 32, 72, 1, 0.8);
        var arrival = pool with { Binding = BindingMode.Arrival };

        Assert.Equal("azure G32 B72 load 0.8 s1", pool.Label);
        Assert.Equal("azure G32 B72 load 0.8 s1 arrival", arrival.Label);
        Assert.NotEqual(pool, arrival);
    }
}
