using Scheduler.Core.Model;

namespace Scheduler.Core.Simulation;

/// <summary>A finished run: its summary, every step (when recorded), every admission, the final state.</summary>
public sealed record SimulationResult(
    RunSummary Summary,
    IReadOnlyList<StepRecord> Steps,
    IReadOnlyList<Admission> Admissions,
    ClusterState FinalState);
