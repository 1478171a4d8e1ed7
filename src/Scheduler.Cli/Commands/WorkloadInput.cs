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

    /// <summary>--load ρ: not applied yet, since capacity depends on the cluster and cost model (<see cref="AtOfferedLoad"/>).</summary>
    public double? Load { get; init; }

    /// <summary>The input with arrivals rescaled to <see cref="Load"/> × capacity on <paramref name="shape"/> under
    /// <paramref name="cost"/> (<see cref="OfferedLoad"/>); itself when no load was asked for.</summary>
    public WorkloadInput AtOfferedLoad(ClusterShape shape, Core.CostModels.IStepCostModel? cost)
    {
        if (Load is not { } load || Workload is null) return this;
        try
        {
            OfferedLoad.ArrivalRate(Workload); // untimed input fails here, before the capacity run
            var capacity = OfferedLoad.Capacity(Workload, shape, cost);
            var loaded = OfferedLoad.AtLoad(Workload, load, capacity);
            return this with
            {
                Workload = loaded,
                Load = null,
                Description = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{Description}, load {load} of capacity {capacity:0.##} requests/s ({OfferedLoad.ArrivalRate(loaded):0.##} arriving/s)"),
            };
        }
        catch (ArgumentException e) { throw new CommandLine.UsageException($"--load {load}: {e.Message}"); }
    }
}
