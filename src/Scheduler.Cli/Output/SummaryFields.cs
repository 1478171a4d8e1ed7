using Scheduler.Core.Simulation;

namespace Scheduler.Cli.Output;

/// <summary>The one list of reported figures: JSON keys, CSV columns and table rows all come from here.</summary>
public static class SummaryFields
{
    public sealed record Field(string Key, string Label, Func<RunSummary, object> Value, string TableFormat);

    public static readonly IReadOnlyList<Field> All =
    [
        new("policy", "policy", s => s.Policy, ""),
        new("avg_imbalance", "avg imbalance (tokens)", s => s.AvgImbalance, "N0"),
        new("throughput", "throughput (tok/s)", s => s.Throughput, "N0"),
        new("qpm", "QPM", s => s.Qpm, "N0"),
        new("avg_utilization", "avg utilization", s => s.AvgUtilization, "F4"),
        new("avg_idle_rate", "avg idle rate", s => s.AvgIdleRate, "F4"),
        new("total_energy", "energy, reference model (J)", s => s.TotalEnergy, "N0"),
        new("energy_per_token", "energy per token, busy/idle (J)", s => s.EnergyPerToken, "F4"),
        new("avg_power", "avg power (W)", s => s.AvgPower, "F1"),
        new("makespan", "makespan (s)", s => s.Makespan, "F3"),
        new("avg_finish_time", "mean finish since t=0 (s)", s => s.AvgFinishTime, "F3"),
        new("e2e_mean", "end-to-end mean (s)", s => s.E2eMean, "F3"),
        new("tpot", "TPOT (s/token)", s => s.Tpot, "F5"),
        new("steps", "steps", s => s.Steps, "N0"),
        new("last_admission_step", "last admission step", s => s.LastAdmissionStep, "N0"),
        new("barrier_idle_fraction", "barrier idle fraction", s => s.BarrierIdleFraction, "F4"),
        new("barrier_idle_fraction_all", "barrier idle (whole run)", s => s.BarrierIdleFractionAll, "F4"),
        new("queue_delay_p50", "queue delay p50 (s)", s => s.QueueDelayP50, "F3"),
        new("queue_delay_p99", "queue delay p99 (s)", s => s.QueueDelayP99, "F3"),
        new("ttft_p50", "TTFT p50 (s)", s => s.TtftP50, "F3"),
        new("ttft_p99", "TTFT p99 (s)", s => s.TtftP99, "F3"),
        new("e2e_p50", "end-to-end p50 (s)", s => s.E2eP50, "F3"),
        new("e2e_p99", "end-to-end p99 (s)", s => s.E2eP99, "F3"),
        new("final_clock", "final clock (s)", s => s.FinalClock, "F3"),
        new("sum_start_time", "sum start time (s)", s => s.SumStartTime, "F1"),
        new("sum_finish_time", "sum finish time (s)", s => s.SumFinishTime, "F1"),
        new("requests", "requests", s => s.Requests, "N0"),
        new("rejected", "rejected records", s => s.Rejected, "N0"),
        new("ranks", "ranks", s => s.Ranks, "N0"),
        new("batch", "batch", s => s.BatchSize, "N0"),
        new("decisions", "policy calls", s => s.Decisions, "N0"),
        new("decision_us_median", "decision median (µs)", s => s.DecisionMicrosMedian, "F1"),
        new("decision_us_p99", "decision p99 (µs)", s => s.DecisionMicrosP99, "F1"),
        new("wall_s", "wall time (s)", s => s.WallSeconds, "F3"),
    ];
}
