namespace Scheduler.Core.Metrics;

/// <summary>
/// Floating-point sum in the pairwise order NumPy uses (blocks of 128, eight accumulators), so sums
/// over thousands of steps round exactly as the reference's do.
/// </summary>
public static class PairwiseSum
{
    private const int BlockSize = 128;

    public static double Sum(ReadOnlySpan<double> values)
    {
        var n = values.Length;
        if (n < 8)
        {
            var res = 0.0;
            for (var i = 0; i < n; i++) res += values[i];
            return res;
        }
        if (n <= BlockSize)
        {
            double r0 = values[0], r1 = values[1], r2 = values[2], r3 = values[3];
            double r4 = values[4], r5 = values[5], r6 = values[6], r7 = values[7];
            var i = 8;
            for (; i < n - n % 8; i += 8)
            {
                r0 += values[i]; r1 += values[i + 1]; r2 += values[i + 2]; r3 += values[i + 3];
                r4 += values[i + 4]; r5 += values[i + 5]; r6 += values[i + 6]; r7 += values[i + 7];
            }
            var res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++) res += values[i];
            return res;
        }
        var half = n / 2;
        half -= half % 8;
        return Sum(values[..half]) + Sum(values[half..]);
    }

    public static double Mean(ReadOnlySpan<double> values) =>
        values.Length == 0 ? double.NaN : Sum(values) / values.Length;
}
