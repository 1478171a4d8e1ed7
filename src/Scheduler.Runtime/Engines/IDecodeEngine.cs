using System.Collections.Immutable;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Engines;

/// <summary>
/// One rank's decoder: it holds the rank's active sequences (their KV state, for a real engine) and runs one
/// decode step over all of them at a time. The rank actor owns one and never blocks on it: a step whose
/// <see cref="ValueTask{TResult}"/> is already complete is answered at once, any other is piped back.
/// </summary>
public interface IDecodeEngine : IDisposable
{
    /// <summary>The engine kind as named on the command line (<c>cost-model</c>, <c>torch</c>).</summary>
    string Kind { get; }

    /// <summary>Active sequences on this rank (n_g).</summary>
    int ActiveCount { get; }

    /// <summary>L_g = Σ(prompt + generated) over the active sequences, in tokens.</summary>
    long Load { get; }

    /// <summary>Take a request into the batch; it decodes from the next step on (a real engine may prefill here or lazily).</summary>
    void Admit(in RankRequest request);

    /// <summary>
    /// Every active sequence generates one token; sequences that reached their end leave the batch.
    /// The result says how long the step's compute took: virtual seconds from a cost model, or measured.
    /// </summary>
    ValueTask<DecodeStepResult> StepAsync(CancellationToken cancellationToken);

    /// <summary>The step the barrier numbered <paramref name="step"/>: an engine that paces itself in real time lines its
    /// ranks' steps up by it; others ignore it.</summary>
    ValueTask<DecodeStepResult> StepAsync(long step, CancellationToken cancellationToken) => StepAsync(cancellationToken);
}

/// <summary>How a rank's engine is made; one engine per rank entity, disposed when the entity stops.</summary>
public interface IDecodeEngineFactory
{
    string Kind { get; }

    /// <summary>The longest request (prompt + output tokens) the engine can decode; null when there is no limit.
    /// A longer one is refused at admission with that reason rather than failing the ranks' steps.</summary>
    int? MaxSequenceTokens => null;

    IDecodeEngine Create(int rank);
}

/// <summary>One generated token, for engines that produce real text.</summary>
public readonly record struct GeneratedToken(long RequestId, int TokenId);

/// <summary>
/// What one decode step did: <see cref="ComputeSeconds"/> of compute (<see cref="Measured"/> tells wall-clock
/// from virtual), the requests that finished, and the tokens generated when the engine makes real ones.
/// </summary>
public sealed record DecodeStepResult(
    double ComputeSeconds,
    bool Measured,
    ImmutableArray<long> Finished,
    ImmutableArray<GeneratedToken> Tokens)
{
    public static DecodeStepResult Virtual(double seconds, ImmutableArray<long> finished) =>
        new(seconds, false, finished, ImmutableArray<GeneratedToken>.Empty);
}
