using Scheduler.Core.Simulation;

namespace Scheduler.Core.Comparisons;

/// <summary>
/// The six figures issue 13 reports for a router in a cell — imbalance, barrier idle, throughput, TTFT p50 and p99,
/// end-to-end p99 — apart from the rest of a <see cref="RunSummary"/>, so runs of several seeds can be averaged.
/// </summary>
public sealed record RouterFigures(string Policy, double AvgImbalance, double BarrierIdle, double Throughput, double TtftP50, double TtftP99, double E2eP99)
{
    public static RouterFigures Of(RunSummary run) =>
        new(run.Policy, run.AvgImbalance, run.BarrierIdleFraction, run.Throughput, run.TtftP50, run.TtftP99, run.E2eP99);

    /// <summary>The arithmetic mean of each figure over <paramref name="runs"/> (one policy, several seeds).</summary>
    public static RouterFigures Mean(IReadOnlyList<RouterFigures> runs)
    {
        if (runs.Count == 0) throw new ArgumentException("no runs to average", nameof(runs));
        if (runs.Any(r => r.Policy != runs[0].Policy))
            throw new ArgumentException($"runs of different policies ({string.Join(", ", runs.Select(r => r.Policy).Distinct())}) do not average", nameof(runs));
        return new RouterFigures(runs[0].Policy, runs.Average(r => r.AvgImbalance), runs.Average(r => r.BarrierIdle), runs.Average(r => r.Throughput),
            runs.Average(r => r.TtftP50), runs.Average(r => r.TtftP99), runs.Average(r => r.E2eP99));
    }

    /// <summary>The figures in table order, with their names and whether higher is better.</summary>
    public static IReadOnlyList<(string Name, bool HigherIsBetter, Func<RouterFigures, double> Read)> Columns { get; } =
    [
        ("imbalance", false, f => f.AvgImbalance),
        ("barrier idle", false, f => f.BarrierIdle),
        ("throughput", true, f => f.Throughput),
        ("TTFT p50", false, f => f.TtftP50),
        ("TTFT p99", false, f => f.TtftP99),
        ("e2e p99", false, f => f.E2eP99),
    ];
}
