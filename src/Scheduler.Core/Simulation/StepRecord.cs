namespace Scheduler.Core.Simulation;

/// <summary>
/// What one decode step did, measured on the loads after its completions (SPEC §2 step 5), plus the
/// time view: <see cref="BarrierIdleSeconds"/> = Σ_g (T − t_g) at the loads that set the step.
/// </summary>
public readonly record struct StepRecord(
    int Step,
    double Clock,
    double Duration,
    int ActiveBefore,
    int Finished,
    long Imbalance,
    long MaxLoad,
    long TotalLoad,
    double Utilization,
    double IdleRate,
    double Energy,
    double Power,
    double BarrierIdleSeconds,
    int QueueLength);
