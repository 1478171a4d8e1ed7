using Scheduler.Core.CostModels;
using Scheduler.Core.Model;

namespace Scheduler.Core.Simulation;

/// <summary>How to simulate: the cluster, the step cost model (reference linear by default), how requests
/// arrive, and whether to keep per-step records.</summary>
public sealed record SimulationOptions(ClusterShape Shape)
{
    public IStepCostModel? CostModel { get; init; }
    public ArrivalMode Arrivals { get; init; } = ArrivalMode.Backlog;

    /// <summary>Pool (a placement policy; the reference) or arrival binding (a router); the simulator's overload for
    /// the one must be called with the matching binding.</summary>
    public BindingMode Binding { get; init; } = BindingMode.Pool;
    public bool RecordSteps { get; init; } = true;

    /// <summary>Called every <see cref="ProgressEverySteps"/> steps with the live state (for progress displays).</summary>
    public Action<ClusterState>? Progress { get; init; }
    public int ProgressEverySteps { get; init; } = 500;

    /// <summary>Called after every step with the post-step state and its record (e.g. to trace per-rank loads).</summary>
    public Action<ClusterState, StepRecord>? OnStep { get; init; }

    public IStepCostModel EffectiveCostModel => CostModel ?? ReferenceLinearCost.ForBatch(Shape.BatchSize);
}
