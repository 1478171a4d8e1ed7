using Scheduler.Core.Simulation;

namespace Scheduler.Cli.Commands;

/// <summary>What a command reads when the user names no input, and its default arrival mode and rate.</summary>
public sealed record WorkloadDefaults(string DefaultInput, int? DefaultCount, ArrivalMode Arrivals, double RateScale)
{
    /// <summary>simulate and gap: the reference's burst fixture, backlogged.</summary>
    public static WorkloadDefaults Reference { get; } = new(DataPaths.DefaultRequests, null, ArrivalMode.Backlog, 1.0);
}
