using Scheduler.Core.Simulation;

namespace Scheduler.Core.Comparisons;

/// <summary>
/// A figure users pay for, as issue 12 ranks them: throughput and barrier idle first (the idle the paper set out to
/// remove), the paper's average imbalance, then with timed arrivals the latency tails.
/// </summary>
public enum Figure
{
    Throughput,
    BarrierIdle,
    AvgImbalance,
    TtftP99,
    E2eP99,
}

public static class Figures
{
    /// <summary>The figures of a cell: all five with timed arrivals; without, the latencies only measure the backlog's order.</summary>
    public static IReadOnlyList<Figure> Of(bool timed) =>
        timed ? [Figure.Throughput, Figure.BarrierIdle, Figure.AvgImbalance, Figure.TtftP99, Figure.E2eP99]
              : [Figure.Throughput, Figure.BarrierIdle, Figure.AvgImbalance];

    public static bool HigherIsBetter(Figure figure) => figure == Figure.Throughput;

    public static double Read(RunSummary summary, Figure figure) => figure switch
    {
        Figure.Throughput => summary.Throughput,
        Figure.BarrierIdle => summary.BarrierIdleFraction,
        Figure.AvgImbalance => summary.AvgImbalance,
        Figure.TtftP99 => summary.TtftP99,
        Figure.E2eP99 => summary.E2eP99,
        _ => throw new ArgumentOutOfRangeException(nameof(figure), figure, "no such figure"),
    };

    /// <summary>The column name in CSV and tables.</summary>
    public static string Name(Figure figure) => figure switch
    {
        Figure.Throughput => "throughput",
        Figure.BarrierIdle => "barrier_idle",
        Figure.AvgImbalance => "avg_imbalance",
        Figure.TtftP99 => "ttft_p99",
        Figure.E2eP99 => "e2e_p99",
        _ => throw new ArgumentOutOfRangeException(nameof(figure), figure, "no such figure"),
    };

    /// <summary>
    /// How many times worse than <paramref name="best"/> a value is: 1 = the best, 1.05 = 5% worse. Throughput as
    /// best/value, the others as value/best, so every figure reads the same way (a 0 best with a 0 value is 1).
    /// </summary>
    public static double Penalty(Figure figure, double value, double best)
    {
        var (worse, better) = HigherIsBetter(figure) ? (best, value) : (value, best);
        if (worse == better) return 1.0;
        return better <= 0.0 ? double.PositiveInfinity : worse / better;
    }

    /// <summary>The best of <paramref name="values"/> for this figure.</summary>
    public static double Best(Figure figure, IEnumerable<double> values) =>
        HigherIsBetter(figure) ? values.Max() : values.Min();
}
