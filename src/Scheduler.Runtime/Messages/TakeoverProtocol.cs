using System.Collections.Immutable;

namespace Scheduler.Runtime.Messages;

// The takeover protocol: a balancer that replaces a lost one (a cluster singleton started again on another node) learns
// from each rank what it still decodes, adopts it, and renames it with its own serials, before it runs a step.

/// <summary>A balancer of epoch <paramref name="Epoch"/> takes over: the rank follows that epoch from now on (ignoring the
/// lost balancer's ticks), keeps what it decodes, and answers <see cref="ActiveListed"/>. Repeated until answered.</summary>
public sealed record ListActive(int Rank, long Epoch) : IRankCommand;

/// <summary>One request a rank is decoding: the rank's own name for it (<paramref name="LocalId"/>), the producer's id, its
/// lengths and how many tokens it has generated.</summary>
public readonly record struct ActiveSequence(long LocalId, string Key, int PromptTokens, int OutputTokens, int PredictedOutputTokens, int Generated);

/// <summary>What rank <paramref name="Rank"/> decodes as it enters epoch <paramref name="Epoch"/> (in the order it took them).</summary>
public sealed record ActiveListed(int Rank, long Epoch, ImmutableArray<ActiveSequence> Requests) : IWithRankId, ISchedulerMessage;

/// <summary>The balancer adopted the listed requests: <paramref name="LocalIds"/>[i] is its request
/// <paramref name="Serials"/>[i] from now on (the serial its reports name it by).</summary>
public sealed record AdoptActive(int Rank, long Epoch, ImmutableArray<long> LocalIds, ImmutableArray<long> Serials) : IRankCommand;

/// <summary>Rank <paramref name="Rank"/> names its requests by the new balancer's serials.</summary>
public sealed record ActiveAdopted(int Rank, long Epoch) : IWithRankId, ISchedulerMessage;
