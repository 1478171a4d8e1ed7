using Scheduler.Decode.Calibration;

namespace Scheduler.Decode.Tests.Calibration;

public class LeastSquaresTests
{
    [Fact]
    public void Exact_affine_data_gives_back_its_coefficients_and_r2_of_one()
    {
        int[] n = [1, 2, 4, 8, 16, 1, 4, 16];
        double[] kv = [512, 2048, 4096, 8192, 16384, 4000, 100, 300];
        var seconds = n.Zip(kv, (r, k) => 2e-4 + 5e-5 * r + 1.5e-7 * k).ToArray();

        var fit = AffineFit.Fit(n, kv, seconds);

        Assert.Equal(2e-4, fit.Alpha, 1e-15);
        Assert.Equal(5e-5, fit.Beta, 1e-15);
        Assert.Equal(1.5e-7, fit.Gamma, 1e-18);
        Assert.Equal(1.0, fit.R2, 1e-12);
        Assert.All(fit.Residuals, r => Assert.Equal(0, r, 1e-15));
        Assert.Equal(new Scheduler.Core.CostModels.AffineCost(fit.Alpha, fit.Beta, fit.Gamma), fit.Cost);
    }

    [Fact]
    public void Noisy_data_gives_the_least_squares_answer_with_residuals_summing_to_zero()
    {
        // y = 1 + 2x + e over x = 0..3 with e = (+1, -1, -1, +1): the fitted line is 1 + 2x, residuals e.
        var x = new double[,] { { 1, 0 }, { 1, 1 }, { 1, 2 }, { 1, 3 } };
        var coefficients = LeastSquares.Solve(x, [2, 2, 4, 8]);
        Assert.Equal(1.0, coefficients[0], 1e-12);
        Assert.Equal(2.0, coefficients[1], 1e-12);

        var fit = AffineFit.Fit([1, 2, 3, 4, 5], [10, 30, 20, 50, 40], [1.1, 2.0, 2.9, 4.2, 4.8]);
        Assert.Equal(0, fit.Residuals.Sum(), 1e-12); // the intercept column makes residuals sum to zero
        Assert.InRange(fit.R2, 0.9, 1.0);
        Assert.Equal(Math.Sqrt(fit.Residuals.Sum(r => r * r) / 5), fit.ResidualRms, 1e-15);
    }

    // The calibration's goal (R² ≥ 0.95 on the default grid) depends on how noisy a machine's timings are; these
    // pin down what R² measures, with noise whose effect on the fit is known exactly: ±d at each design point
    // twice sums to zero there, so it is orthogonal to every column and leaves the coefficients exact.
    [Theory]
    [InlineData(0.0)]
    [InlineData(1e-4)]
    [InlineData(5e-4)]
    [InlineData(2e-3)]
    public void Noise_that_cancels_at_each_point_leaves_the_coefficients_exact_and_r2_is_one_minus_its_share_of_the_variance(double d)
    {
        var (n, kv, exact, noise) = Replicated((r, k) => 2e-4 + 5e-5 * r + 1.5e-7 * k, d);
        var seconds = exact.Zip(noise, (f, e) => f + e).ToArray();

        var fit = AffineFit.Fit(n, kv, seconds);

        Assert.Equal(2e-4, fit.Alpha, 1e-12);
        Assert.Equal(5e-5, fit.Beta, 1e-13);
        Assert.Equal(1.5e-7, fit.Gamma, 1e-16);
        for (var i = 0; i < noise.Length; i++) Assert.Equal(noise[i], fit.Residuals[i], 1e-12);
        // SS_tot = SS of the exact values + SS of the noise (the cross term vanishes), SS_res = SS of the noise.
        var mean = exact.Average();
        var ssExact = exact.Sum(f => (f - mean) * (f - mean));
        var ssNoise = noise.Sum(e => e * e);
        Assert.Equal(1 - ssNoise / (ssExact + ssNoise), fit.R2, 1e-9);
        Assert.InRange(fit.R2, 0.0, 1.0);
    }

    [Fact]
    public void R2_falls_below_the_calibration_goal_as_noise_grows_and_is_zero_for_times_unrelated_to_the_load()
    {
        double R2(Func<int, double, double> step, double d)
        {
            var (n, kv, exact, noise) = Replicated(step, d);
            return AffineFit.Fit(n, kv, exact.Zip(noise, (f, e) => f + e).ToArray()).R2;
        }
        Func<int, double, double> affine = (r, k) => 2e-4 + 5e-5 * r + 1.5e-7 * k;

        Assert.True(R2(affine, 1e-4) >= 0.95, $"R² = {R2(affine, 1e-4)}");
        Assert.True(R2(affine, 5e-4) < 0.95, $"R² = {R2(affine, 5e-4)}");
        Assert.True(R2(affine, 2e-3) < R2(affine, 5e-4));

        // A constant step time with noise: β and γ come out 0, α the constant, and R² exactly 0.
        var (n, kv, constant, noise) = Replicated((_, _) => 1e-3, 1e-4);
        var fit = AffineFit.Fit(n, kv, constant.Zip(noise, (f, e) => f + e).ToArray());
        Assert.Equal(1e-3, fit.Alpha, 1e-12);
        Assert.Equal(0, fit.Beta, 1e-12);
        Assert.Equal(0, fit.Gamma, 1e-15);
        Assert.Equal(0, fit.R2, 1e-9);
    }

    /// <summary>A 3 × 3 grid of (n, ΣKV), each point twice, with noise +d then −d at each.</summary>
    private static (int[] N, double[] Kv, double[] Exact, double[] Noise) Replicated(Func<int, double, double> step, double d)
    {
        int[] requests = [1, 4, 16];
        double[] tokens = [1000, 4000, 16000];
        var n = new List<int>();
        var kv = new List<double>();
        var noise = new List<double>();
        foreach (var r in requests)
        foreach (var k in tokens)
        foreach (var e in new[] { d, -d })
        {
            n.Add(r);
            kv.Add(k);
            noise.Add(e);
        }
        var exact = n.Zip(kv, step).ToArray();
        return (n.ToArray(), kv.ToArray(), exact, noise.ToArray());
    }

    [Fact]
    public void A_negative_intercept_is_dropped_and_the_rest_refitted_so_no_step_takes_negative_time()
    {
        int[] n = [1, 2, 4, 8, 16, 1, 4, 16];
        double[] kv = [512, 2048, 4096, 8192, 16384, 4000, 100, 300];
        // Per-token cost that bends upward with load: the free fit's intercept comes out negative.
        var seconds = n.Zip(kv, (r, k) => 5e-5 * r + 1.5e-7 * k + 2e-12 * k * k).ToArray();

        var fit = AffineFit.Fit(n, kv, seconds);

        Assert.Equal(0.0, fit.Alpha);
        Assert.True(fit.Beta >= 0 && fit.Gamma > 0, $"β={fit.Beta} γ={fit.Gamma}");
        Assert.True(fit.Predict(0, 0) >= 0 && fit.Predict(1, 1) > 0);
        Assert.InRange(fit.R2, 0.95, 1.0);
    }

    [Fact]
    public void A_grid_that_cannot_separate_requests_from_tokens_is_refused()
    {
        // ΣKV = 1000·n on every point: β and γ cannot be told apart.
        int[] n = [1, 2, 4, 8];
        var ex = Assert.Throws<ArgumentException>(() => AffineFit.Fit(n, n.Select(r => 1000.0 * r).ToArray(), [1, 2, 3, 4]));
        Assert.Contains("linearly dependent", ex.Message);
        Assert.Throws<ArgumentException>(() => AffineFit.Fit([1, 2, 3], [1, 5, 2], [1, 2, 3]));
    }
}
