using Scheduler.Core.Metrics;

namespace Scheduler.Core.Tests.Metrics;

/// <summary>Percentiles of an endless stream in fixed memory, within the bucket width of the exact ones.</summary>
public sealed class LogHistogramTests
{
    [Theory]
    [InlineData(50)]
    [InlineData(90)]
    [InlineData(99)]
    public void Percentiles_stay_within_a_bucket_of_the_exact_ones_across_many_decades(double q)
    {
        var random = new Random(9);
        var values = Enumerable.Range(0, 100_000).Select(_ => Math.Exp(random.NextDouble() * 20 - 12)).ToArray();
        var histogram = new LogHistogram();
        foreach (var v in values) histogram.Add(v);

        Array.Sort(values);
        var exact = values[(int)Math.Ceiling(q / 100 * values.Length) - 1];
        Assert.InRange(histogram.Percentile(q) / exact, 1 / 1.011, 1.011);
        Assert.Equal(values.Length, histogram.Count);
        Assert.Equal(values.Average(), histogram.Mean, 6);
    }

    [Fact]
    public void Extremes_are_the_values_seen_and_an_empty_histogram_has_none()
    {
        var histogram = new LogHistogram();
        Assert.True(double.IsNaN(histogram.Percentile(50)));

        foreach (var v in new[] { 0.0, 3.0, 3.0, 7.5 }) histogram.Add(v);

        Assert.Equal(0.0, histogram.Percentile(0));
        Assert.Equal(7.5, histogram.Percentile(100));
        Assert.InRange(histogram.Percentile(50), 3.0 / 1.011, 3.0 * 1.011);
    }
}
