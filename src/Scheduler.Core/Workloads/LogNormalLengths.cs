using System.Globalization;

namespace Scheduler.Core.Workloads;

/// <summary>Lengths whose logarithm is normal: exp(ln <see cref="Median"/> + <see cref="Sigma"/>·Z), truncated to [Min, Max].
/// The usual fit for LLM prompt and output lengths (right-skewed, many short, a long tail).</summary>
public sealed record LogNormalLengths(double Median, double Sigma, int Min, int Max) : LengthDistribution(Min, Max)
{
    protected override double Draw(Random random) => Median * Math.Exp(Sigma * StandardNormal(random));

    public override string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"lognormal(median {Median:0.##}, σ {Sigma:0.##}) in [{Min}, {Max}]");
}
