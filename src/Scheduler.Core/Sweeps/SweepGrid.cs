using Scheduler.Core.Policies;

namespace Scheduler.Core.Sweeps;

/// <summary>
/// A sweep: every policy on every (G, B, seed), BF-IO policies also over every horizon H and noise δ.
/// Policies that take no horizon run once per (G, B, seed) instead of once per H.
/// </summary>
public sealed record SweepGrid(
    IReadOnlyList<PolicySpec> Policies,
    IReadOnlyList<int> Ranks,
    IReadOnlyList<int> Batches,
    IReadOnlyList<int> Horizons,
    IReadOnlyList<double> Noises,
    IReadOnlyList<int> Seeds)
{
    /// <summary>Whether a policy family reads a lookahead horizon (h=) and a predictor noise (noise=).</summary>
    public static bool TakesHorizon(PolicySpec policy) => policy.Name.StartsWith("bfio", StringComparison.Ordinal);

    public static bool TakesNoise(PolicySpec policy) =>
        policy.Name == "bfio" && policy.Parameters.TryGetValue("predictor", out var predictor) && predictor == "noisy";

    public IReadOnlyList<SweepPoint> Points()
    {
        var points = new List<SweepPoint>();
        foreach (var seed in Seeds)
        foreach (var g in Ranks)
        foreach (var b in Batches)
        foreach (var policy in Policies)
        {
            IReadOnlyList<int?> horizons = TakesHorizon(policy) && !policy.Parameters.ContainsKey("h")
                ? Horizons.Select(h => (int?)h).ToArray() : [null];
            IReadOnlyList<double?> noises = TakesNoise(policy) && !policy.Parameters.ContainsKey("noise")
                ? Noises.Select(d => (double?)d).ToArray() : [null];
            foreach (var h in horizons)
            foreach (var d in noises)
                points.Add(new SweepPoint(policy, g, b, h, d, seed));
        }
        return points;
    }
}
