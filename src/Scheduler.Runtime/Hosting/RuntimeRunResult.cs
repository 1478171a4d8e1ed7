using Scheduler.Core.Model;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Results;

namespace Scheduler.Runtime.Hosting;

/// <summary>Wall-clock phases of a run: forming the cluster and starting every rank, the run itself, the shutdown.</summary>
public sealed record RuntimeTimings(double StartupSeconds, double RunSeconds, double ShutdownSeconds)
{
    public double TotalSeconds => StartupSeconds + RunSeconds + ShutdownSeconds;
}

/// <summary>
/// A finished run: the simulator's summary (same code, same keys; <see cref="RunSummary.Policy"/> is the
/// policy's name), every admission and step, every completed request, the dead-lettered input records,
/// the barrier's counters, and the address the run's cluster node was bound to.
/// </summary>
public sealed record RuntimeRunResult(
    RunSummary Summary,
    IReadOnlyList<Admission> Admissions,
    IReadOnlyList<StepRecord> Steps,
    IReadOnlyList<CompletedRequest> Completed,
    IReadOnlyList<DeadLetterRecord> DeadLetters,
    int StaleCompletions,
    int DuplicateCompletions,
    int StepTimeouts,
    string Engine,
    string? ResultsPath,
    string NodeAddress,
    RuntimeTimings Timings);

/// <summary>A run that stopped before every request finished.</summary>
public sealed class RuntimeRunException(string message, int step, IReadOnlyList<DeadLetterRecord> deadLetters, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The last step the run completed.</summary>
    public int Step { get; } = step;

    public IReadOnlyList<DeadLetterRecord> DeadLetters { get; } = deadLetters;
}
