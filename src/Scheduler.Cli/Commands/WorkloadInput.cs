using Scheduler.Core.Model;
using Scheduler.Core.Simulation;

namespace Scheduler.Cli.Commands;

/// <summary>The requests a command runs on, as <see cref="WorkloadOptions"/> read them, and how they arrive.</summary>
public sealed record WorkloadInput(Workload? Workload, ArrivalMode Arrivals, string Description)
{
    /// <summary>A request CSV to stream record by record (the runtime validates each in its ingestion graph,
    /// so a malformed record is dead-lettered instead of failing the whole input); null when
    /// <see cref="Workload"/> holds the input.</summary>
    public string? StreamedFile { get; init; }

    /// <summary>Timestamps are divided by this (applied to <see cref="Workload"/> already; the runtime applies it to a streamed file).</summary>
    public double RateScale { get; init; } = 1.0;
}
