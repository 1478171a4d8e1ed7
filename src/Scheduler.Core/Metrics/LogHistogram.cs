namespace Scheduler.Core.Metrics;

/// <summary>
/// Percentiles of an endless stream in fixed memory: values fall into logarithmic buckets 2^(1/32) wide (a bucket's
/// midpoint is within 1.1% of any value in it), from 1e-9 to 1e9; zero and below count in the first, above in the
/// last. A service that runs for weeks reports p50 and p99 of latencies without keeping a value per request.
/// </summary>
public sealed class LogHistogram
{
    private const int PerDoubling = 32;
    private const double Smallest = 1e-9;
    private static readonly int BucketCount = (int)Math.Ceiling(Math.Log2(1e9 / Smallest) * PerDoubling) + 2;
    private readonly long[] _counts = new long[BucketCount];

    public long Count { get; private set; }
    public double Sum { get; private set; }
    public double Min { get; private set; } = double.PositiveInfinity;
    public double Max { get; private set; } = double.NegativeInfinity;

    public void Add(double value)
    {
        if (double.IsNaN(value)) return;
        _counts[BucketOf(value)]++;
        Count++;
        Sum += value;
        if (value < Min) Min = value;
        if (value > Max) Max = value;
    }

    public double Mean => Count > 0 ? Sum / Count : double.NaN;

    /// <summary>The q-th percentile (0..100): the geometric midpoint of the bucket that holds it, clamped to the values seen
    /// (0 and 100 are the smallest and largest values seen); NaN when empty.</summary>
    public double Percentile(double q)
    {
        if (Count == 0) return double.NaN;
        if (q <= 0) return Min;
        if (q >= 100) return Max;
        var rank = (long)Math.Ceiling(Math.Clamp(q, 0, 100) / 100.0 * Count);
        if (rank < 1) rank = 1;
        long seen = 0;
        for (var b = 0; b < _counts.Length; b++)
        {
            seen += _counts[b];
            if (seen < rank) continue;
            var value = b == 0 ? Min : Smallest * Math.Pow(2.0, (b - 0.5) / PerDoubling);
            return Math.Clamp(value, Min, Max);
        }
        return Max;
    }

    private static int BucketOf(double value)
    {
        if (value <= Smallest) return 0;
        var b = (int)Math.Ceiling(Math.Log2(value / Smallest) * PerDoubling);
        return Math.Clamp(b, 1, BucketCount - 1);
    }
}
