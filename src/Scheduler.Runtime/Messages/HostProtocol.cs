using System.Collections.Immutable;

namespace Scheduler.Runtime.Messages;

// The host protocol between the barrier and a rank host's agent (RankHostAgent): a step's ticks for the ranks living on
// one node go out in one message and come back in one, instead of one message per rank each way.

/// <summary>Tick these ranks, all living on the receiving node, for <paramref name="Step"/>: each <see cref="Tick"/> as
/// the barrier would have sent it alone (admissions, epoch and incarnation included).</summary>
public sealed record HostTick(int Step, long Epoch, ImmutableArray<Tick> Ticks) : IBarrierMessage;

/// <summary>Every rank of a <see cref="HostTick"/> that lived on the node answered <paramref name="Step"/>: their reports,
/// and the failures of those whose engine failed the step.</summary>
public sealed record HostStepCompleted(int Step, ImmutableArray<StepCompleted> Reports, ImmutableArray<RankStepFailed> Failures = default)
    : IBarrierMessage
{
    public ImmutableArray<RankStepFailed> Failures { get; init; } = Failures.IsDefault ? ImmutableArray<RankStepFailed>.Empty : Failures;

    /// <summary>Seconds the host held the step, from its <see cref="HostTick"/>'s arrival at the agent to this answer: its
    /// ranks' work. The barrier's round trip to the host less this is what the transport took (0: not measured).</summary>
    public double HostSeconds { get; init; }
}
