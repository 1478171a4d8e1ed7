using System.Globalization;

namespace Scheduler.Core.Comparisons;

/// <summary>
/// One cell of the comparison matrix: a workload shape on G ranks of batch B with one seed, backlogged
/// (<see cref="Load"/> null) or with timed arrivals at <see cref="Load"/> times the cluster's capacity.
/// </summary>
public sealed record ComparisonCell(string Shape, int Ranks, int Batch, int Seed, double? Load)
{
    public bool Timed => Load is not null;

    /// <summary>"backlog" or "load 0.8".</summary>
    public string Arrivals => Load is { } load ? string.Create(CultureInfo.InvariantCulture, $"load {load:0.##}") : "backlog";

    /// <summary>A short label for plots: "code G8 B16 load 0.8 s1".</summary>
    public string Label => $"{Shape} G{Ranks} B{Batch} {Arrivals} s{Seed}";

    public override string ToString() => $"{Shape} G={Ranks} B={Batch} seed {Seed} {Arrivals}";
}
