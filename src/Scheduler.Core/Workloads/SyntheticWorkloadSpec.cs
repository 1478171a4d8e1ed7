using System.Globalization;
using Scheduler.Core.Model;

namespace Scheduler.Core.Workloads;

/// <summary>
/// <c>synthetic:shape=NAME[;count=N][;seed=S][;rate=R]</c> as <c>--trace</c> takes it: a generated workload of a named
/// shape, <c>count</c> requests (default 20,000), backlogged unless <c>rate</c> (requests per second) is given.
/// </summary>
public sealed record SyntheticWorkloadSpec(WorkloadShape Shape, int Count, int Seed, double RatePerSecond)
{
    public const string Prefix = "synthetic:";
    public const int DefaultCount = 20000;

    public static bool IsSynthetic(string text) => text.TrimStart().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses the text after (or with) <c>synthetic:</c>; a missing shape, an unknown key or a bad value names the key.</summary>
    /// <param name="defaultCount">The count when the text names none (null: <see cref="DefaultCount"/>).</param>
    /// <param name="defaultSeed">The seed when the text names none.</param>
    public static SyntheticWorkloadSpec Parse(string text, int? defaultCount = null, int defaultSeed = 42)
    {
        var body = IsSynthetic(text) ? text.TrimStart()[Prefix.Length..] : text;
        WorkloadShape? shape = null;
        var count = defaultCount ?? DefaultCount;
        var seed = defaultSeed;
        var rate = 0.0;
        foreach (var part in body.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"synthetic workload: '{part}' is not key=value");
            var key = part[..eq].Trim().ToLowerInvariant();
            var value = part[(eq + 1)..].Trim();
            switch (key)
            {
                case "shape":
                    shape = ShapeCatalog.Get(value);
                    break;
                case "count":
                    if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out count) || count <= 0)
                        throw new ArgumentException($"synthetic workload: count={value} is not a positive integer");
                    break;
                case "seed":
                    if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out seed))
                        throw new ArgumentException($"synthetic workload: seed={value} is not an integer");
                    break;
                case "rate":
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out rate) || !(rate >= 0) || !double.IsFinite(rate))
                        throw new ArgumentException($"synthetic workload: rate={value} is not a number ≥ 0 (requests per second; 0 = backlogged)");
                    break;
                default:
                    throw new ArgumentException($"synthetic workload: unknown key '{key}' (known: shape, count, seed, rate)");
            }
        }
        if (shape is null) throw new ArgumentException($"synthetic workload: shape= is required (one of {string.Join(", ", ShapeCatalog.Names)})");
        return new SyntheticWorkloadSpec(shape, count, seed, rate);
    }

    public Workload Generate() => ShapeGenerator.Generate(Shape, Count, Seed, RatePerSecond);
}
