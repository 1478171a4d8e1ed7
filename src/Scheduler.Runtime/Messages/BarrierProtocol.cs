using System.Collections.Immutable;

namespace Scheduler.Runtime.Messages;

// The barrier protocol between the balancer (the step's coordinator) and the barrier actor.

/// <summary>The balancer has admitted for step <paramref name="Step"/>: tick every rank, each with its admissions of
/// this boundary (<paramref name="Admissions"/>, one entry per rank that has any), which travel with its tick.
/// <paramref name="AdmittedThrough"/>[g] is rank g's cumulative admission count (see <see cref="Tick"/>).</summary>
public sealed record BeginStep(int Step, ImmutableArray<long> AdmittedThrough, ImmutableArray<AdmitRequests> Admissions = default) : IBarrierMessage
{
    public ImmutableArray<AdmitRequests> Admissions { get; init; } = Admissions.IsDefault ? ImmutableArray<AdmitRequests>.Empty : Admissions;
}

/// <summary>The barrier refused to open <paramref name="Step"/> (a step is still open, or it is out of order).</summary>
public sealed record BeginStepRejected(int Step, string Reason) : IBarrierMessage;

/// <summary>
/// Every rank completed <see cref="Step"/>. <see cref="Duration"/> = max_g t_g; <see cref="BarrierIdleSeconds"/>
/// = Σ_g (Duration − t_g), summed in rank order as the simulator does; <see cref="Reports"/> is indexed by rank.
/// </summary>
public sealed record StepBarrierPassed(int Step, double Duration, double BarrierIdleSeconds, ImmutableArray<StepCompleted> Reports)
    : IBarrierMessage;

/// <summary><paramref name="Ranks"/> had not completed <paramref name="Step"/> when timeout number
/// <paramref name="Attempt"/> elapsed; <paramref name="GaveUp"/> once the configured number is spent.</summary>
public sealed record RanksMissing(int Step, ImmutableArray<int> Ranks, int Attempt, bool GaveUp) : IBarrierMessage;

/// <summary>A rank reported its engine failed <paramref name="Step"/>.</summary>
public sealed record RankFailed(int Step, int Rank, string Reason) : IBarrierMessage;

/// <summary>Ask the barrier for its counters.</summary>
public sealed record GetBarrierStatistics(int Step = 0) : IBarrierMessage
{
    public static readonly GetBarrierStatistics Instance = new();
}

/// <summary>The barrier's counters: steps closed, completions ignored as stale (wrong step or rank) or as
/// duplicates, timeouts. <see cref="Step"/> is the last step opened.</summary>
public sealed record BarrierStatistics(int Step, int StepsClosed, int StaleCompletions, int DuplicateCompletions, int Timeouts)
    : IBarrierMessage
{
    public static readonly BarrierStatistics Zero = new(0, 0, 0, 0, 0);
}
