using Scheduler.Core.Model;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Ingestion;

namespace Scheduler.Runtime.Hosting;

/// <summary>Wall-clock phases of a run: forming the cluster and starting every rank, the run itself, the shutdown.</summary>
public sealed record RuntimeTimings(double StartupSeconds, double RunSeconds, double ShutdownSeconds)
{
    public double TotalSeconds => StartupSeconds + RunSeconds + ShutdownSeconds;
}

/// <summary>
/// A finished replay: the simulator's summary (same code, same keys; <see cref="RunSummary.Policy"/> is the
/// policy's name, <see cref="RunSummary.Rejected"/> the malformed records), every admission and step, the final
/// state (every request's times, slot = request index), the rejected records, the barrier's counters, and the
/// address the run's cluster node was bound to.
/// </summary>
public sealed record RuntimeRunResult(
    RunSummary Summary,
    IReadOnlyList<Admission> Admissions,
    IReadOnlyList<StepRecord> Steps,
    ClusterState FinalState,
    IReadOnlyList<DeadLetter> DeadLetters,
    int StaleCompletions,
    int DuplicateCompletions,
    int StepTimeouts,
    string Engine,
    string? ResultsPath,
    string NodeAddress,
    RuntimeTimings Timings);

/// <summary>A run that stopped before every request finished, or that had no valid request to run.</summary>
public sealed class RuntimeRunException(string message, int step, IReadOnlyList<DeadLetter> deadLetters, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The input held no valid request (a fault of the input, not of the run).</summary>
    public bool NoValidInput { get; init; }

    /// <summary>The last step the run completed.</summary>
    public int Step { get; } = step;

    public IReadOnlyList<DeadLetter> DeadLetters { get; } = deadLetters;
}
