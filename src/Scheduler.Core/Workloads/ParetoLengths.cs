using System.Globalization;

namespace Scheduler.Core.Workloads;

/// <summary>Pareto lengths: <see cref="Scale"/>·U^(−1/<see cref="Alpha"/>), truncated to [Min, Max]. A heavier tail than
/// a lognormal: a few requests many times the typical length (α ≤ 2: infinite variance before truncation).</summary>
public sealed record ParetoLengths(double Scale, double Alpha, int Min, int Max) : LengthDistribution(Min, Max)
{
    protected override double Draw(Random random) => Scale * Math.Pow(1.0 - random.NextDouble(), -1.0 / Alpha);

    public override string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"Pareto(scale {Scale:0.##}, α {Alpha:0.##}) in [{Min}, {Max}]");
}
