namespace Scheduler.Core.Metrics;

/// <summary>Percentiles with linear interpolation between order statistics (NumPy's default).</summary>
public static class Percentile
{
    /// <summary>The q-th percentile (0..100) of already sorted values; NaN for none.</summary>
    public static double OfSorted(ReadOnlySpan<double> sorted, double q)
    {
        if (sorted.Length == 0) return double.NaN;
        var pos = q / 100.0 * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        var frac = pos - lo;
        return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
    }
}
