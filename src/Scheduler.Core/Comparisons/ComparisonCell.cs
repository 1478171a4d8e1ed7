using System.Globalization;
using Scheduler.Core.Model;

namespace Scheduler.Core.Comparisons;

/// <summary>
/// One cell of the comparison matrix: a workload shape on G ranks of batch B with one seed, backlogged
/// (<see cref="Load"/> null) or with timed arrivals at <see cref="Load"/> times the cluster's capacity, with requests
/// bound to ranks as <see cref="Binding"/> says. <see cref="Shape"/> names a generated shape or a trace.
/// </summary>
public sealed record ComparisonCell(string Shape, int Ranks, int Batch, int Seed, double? Load)
{
    /// <summary>Pool or arrival binding: a cell's policies all run in the same one, so they compare within it.</summary>
    public BindingMode Binding { get; init; } = BindingMode.Pool;

    public bool Timed => Load is not null;

    /// <summary>"backlog" or "load 0.8".</summary>
    public string Arrivals => Load is { } load ? string.Create(CultureInfo.InvariantCulture, $"load {load:0.##}") : "backlog";

    /// <summary>A short label for plots: "code G8 B16 load 0.8 s1" (" arrival" added with arrival binding).</summary>
    public string Label => $"{Shape} G{Ranks} B{Batch} {Arrivals} s{Seed}{BindingSuffix}";

    public override string ToString() => $"{Shape} G={Ranks} B={Batch} seed {Seed} {Arrivals}{BindingSuffix}";

    // Pool is the paper's setting and compare's default: left unsaid, so single-binding output reads as it always has.
    private string BindingSuffix => Binding == BindingMode.Arrival ? " arrival" : "";
}
