using System.Collections.Immutable;

namespace Scheduler.Runtime.Messages;

// The rank protocol: the balancer admits requests to a rank, the barrier ticks it, the rank reports the step.

/// <summary>What a rank needs to decode one request: its serial (unique for the balancer's lifetime, unlike its
/// slot), its prompt length and the output length at which it stops (the true length for the cost-model engine,
/// the generation cap for a real one). The producer's id (<paramref name="Key"/>) and the predicted output are kept
/// for a balancer that takes over from a lost one (<see cref="ListActive"/>): it learns from the ranks what they decode.</summary>
public readonly record struct RankRequest(long Id, int PromptTokens, int OutputTokens, string Key = "", int PredictedOutputTokens = 0)
{
    public string Key { get; init; } = Key ?? "";
}

/// <summary>The balancer placed <paramref name="Requests"/> on the rank at the policy call that ended
/// step <paramref name="Step"/>; they decode from the next tick on. With arrival binding the rank keeps its own queue
/// instead: <see cref="Enqueue"/> joins its back and it admits <see cref="FromQueue"/> requests from its front.</summary>
public sealed record AdmitRequests(int Rank, int Step, ImmutableArray<RankRequest> Requests) : IRankCommand
{
    /// <summary>Arrival binding: requests bound to this rank since its last tick, to the back of its queue (in order).</summary>
    public ImmutableArray<RankRequest> Enqueue { get; init; } = ImmutableArray<RankRequest>.Empty;

    /// <summary>Arrival binding: how many requests the rank admits from the front of its queue, after the enqueue (the
    /// balancer's loop computed the same FIFO admission, while the rank has free slots).</summary>
    public int FromQueue { get; init; }
}

/// <summary>
/// Decode step <paramref name="Step"/>, first admitting <paramref name="Admit"/>: the requests placed on the rank at
/// the boundary before it (they travel with the tick, one message per rank and step). <paramref name="AdmittedThrough"/>
/// is how many requests the rank must have been admitted in total before it steps: admissions that come apart
/// (<see cref="AdmitRequests"/>, through the region) have no ordering with the tick, so a rank holds a tick that
/// overtook them. A repeated tick's admissions are taken once.
/// </summary>
public sealed record Tick(int Rank, int Step, long AdmittedThrough, ImmutableArray<RankRequest> Admit = default) : IRankCommand
{
    public ImmutableArray<RankRequest> Admit { get; init; } = Admit.IsDefault ? ImmutableArray<RankRequest>.Empty : Admit;

    /// <summary>The balancer's epoch (when its incarnation started): a rank follows the newest epoch it has seen, resetting
    /// to empty when a new one starts (a new balancer knows nothing of the old one's requests), and ignores older ones.
    /// 0: none (replays, tests).</summary>
    public long Epoch { get; init; }

    /// <summary>The rank entity incarnation the barrier last heard from (0: none yet). A rank whose own differs is a
    /// replacement: the one it replaces was lost with its host, and with it the requests it was decoding.</summary>
    public long Incarnation { get; init; }

    /// <summary>Arrival binding: requests bound to this rank since its last tick, to the back of its own queue.</summary>
    public ImmutableArray<RankRequest> Enqueue { get; init; } = ImmutableArray<RankRequest>.Empty;

    /// <summary>Arrival binding: how many requests the rank admits from the front of its queue before it steps.</summary>
    public int FromQueue { get; init; }

    /// <summary>The boundary the admissions were made at: the step before this one.</summary>
    public int AdmissionStep => Step - 1;
}

/// <summary>Ask a rank for its bookkeeping (tests, diagnostics).</summary>
public sealed record GetRankState(int Rank) : IRankCommand;

/// <summary>A rank's bookkeeping: the last step it completed, how many requests it was admitted in all,
/// how many are active and its load L_g = Σ(s_i + gen_i).</summary>
public sealed record RankStateResult(int Rank, int LastCompletedStep, long AdmittedTotal, int Active, long Load)
    : IWithRankId, ISchedulerMessage;

/// <summary>
/// A rank finished step <see cref="Step"/>: its decode took <see cref="ComputeSeconds"/> (virtual or
/// measured) at <see cref="ActiveBefore"/> requests and load <see cref="LoadBefore"/>, the loads that set
/// the step, and the requests <see cref="Finished"/> (by serial) left the rank at the step's end.
/// </summary>
public sealed record StepCompleted(
    int Rank, int Step, double ComputeSeconds, int ActiveBefore, long LoadBefore, ImmutableArray<long> Finished)
    : IWithRankId, IBarrierMessage
{
    /// <summary>The epoch of the tick this answers (see <see cref="Tick.Epoch"/>).</summary>
    public long Epoch { get; init; }

    /// <summary>The reporting entity's incarnation (a random number it drew when it started).</summary>
    public long Incarnation { get; init; }

    /// <summary>The entity is a replacement for one lost with its host: it decoded nothing and holds nothing, and every
    /// request the balancer had placed on this rank (those of this tick included) must start again from its prompt.</summary>
    public bool Restarted { get; init; }
}

/// <summary>A rank's engine failed the step; the run cannot go on with that rank's state unknown.</summary>
public sealed record RankStepFailed(int Rank, int Step, string Reason) : IWithRankId, IBarrierMessage;
