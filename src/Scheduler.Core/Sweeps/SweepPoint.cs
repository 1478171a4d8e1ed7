using System.Globalization;
using Scheduler.Core.Policies;

namespace Scheduler.Core.Sweeps;

/// <summary>One run of a sweep: a policy (with the horizon and noise the grid adds) on G ranks of batch B,
/// on the workload sampled with <see cref="Seed"/>.</summary>
public sealed record SweepPoint(PolicySpec Policy, int Ranks, int Batch, int? Horizon, double? Noise, int Seed)
{
    /// <summary>The policy spec with the grid's parameters added, e.g. <c>bfio:h=8;noise=0.2</c>.</summary>
    public string PolicyText
    {
        get
        {
            var extra = new List<string>();
            if (Horizon is { } h) extra.Add($"h={h}");
            if (Noise is { } d) extra.Add(string.Create(CultureInfo.InvariantCulture, $"noise={d}"));
            if (extra.Count == 0) return Policy.Text;
            return Policy.Text + (Policy.Text.Contains(':') ? ";" : ":") + string.Join(';', extra);
        }
    }
}
