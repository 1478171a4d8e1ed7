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
