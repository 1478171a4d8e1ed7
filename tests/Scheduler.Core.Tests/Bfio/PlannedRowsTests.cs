using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>The planned rows: which steps ahead a call plans on, and that their weights add up to the paper's.</summary>
public sealed class PlannedRowsTests
{
    [Theory]
    [InlineData(13, true, new[] { 0, 1, 2, 4, 8, 12 })]
    [InlineData(9, true, new[] { 0, 1, 2, 4, 8 })]
    [InlineData(3, true, new[] { 0, 1, 2 })]
    [InlineData(1, true, new[] { 0 })]
    [InlineData(6, false, new[] { 0, 1, 2, 3, 4, 5 })]
    public void Sampled_rows_double_and_keep_the_last(int rows, bool sample, int[] expected)
    {
        var planned = new PlannedRows();
        var count = planned.Plan(rows, nowWeight: 1.0, decay: 0.6, horizon: rows - 1, lifeWeight: 0.0, sample);
        Assert.Equal(expected.Length, count);
        Assert.Equal(expected, planned.Rows.ToArray());
    }

    [Theory]
    [InlineData(13, 12, 0.6, 0.0)]
    [InlineData(17, 16, 0.9, 0.3)]
    [InlineData(33, 8, 0.6, 0.5)]   // life rows past H = 8: they weigh γ alone
    [InlineData(5, 4, 1.0, 0.0)]
    public void Planned_weights_sum_to_every_rows_weight(int rows, int horizon, double decay, double gamma)
    {
        var planned = new PlannedRows();
        var count = planned.Plan(rows, nowWeight: 0.5, decay, horizon, gamma, sample: true);
        var expected = 0.5;
        for (var h = 1; h <= Math.Min(horizon, rows - 1); h++) expected += Math.Pow(decay, h - 1);
        expected += gamma * (count - 1);
        var sum = 0.0;
        foreach (var w in planned.Weights) sum += w;
        Assert.Equal(expected, sum, 1e-12);
        // A row past the horizon stands for no decayed row: γ alone.
        for (var k = 0; k < count; k++)
            if (planned.Rows[k] > horizon) Assert.Equal(gamma, planned.Weights[k], 1e-15);
    }

    [Fact]
    public void A_single_row_weighs_one_whatever_w0()
    {
        var planned = new PlannedRows();
        planned.Plan(1, nowWeight: 0.25, decay: 0.6, horizon: 0, lifeWeight: 0.0, sample: true);
        Assert.Equal([1.0], planned.Weights.ToArray());
    }
}
