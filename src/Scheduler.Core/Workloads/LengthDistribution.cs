namespace Scheduler.Core.Workloads;

/// <summary>
/// A token-length distribution bounded to [<see cref="Min"/>, <see cref="Max"/>]: draws outside the bounds are
/// drawn again (truncation, not clamping, so no bound collects a spike of probability mass).
/// </summary>
public abstract record LengthDistribution(int Min, int Max)
{
    /// <summary>Redraws before giving up and clamping: only a bound far out in a tail could exhaust them.</summary>
    private const int MaxRedraws = 64;

    /// <summary>One length in [Min, Max].</summary>
    public int Sample(Random random)
    {
        for (var attempt = 0; attempt < MaxRedraws; attempt++)
        {
            var x = Math.Round(Draw(random));
            if (x >= Min && x <= Max) return (int)x;
        }
        return Math.Clamp((int)Math.Round(Math.Min(Draw(random), int.MaxValue)), Min, Max);
    }

    /// <summary>One unbounded draw.</summary>
    protected abstract double Draw(Random random);

    /// <summary>The distribution as the docs state it, e.g. "lognormal(median 1020, σ 0.9) in [16, 8192]".</summary>
    public abstract string Describe();

    /// <summary>A standard normal draw (Box–Muller).</summary>
    protected static double StandardNormal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
