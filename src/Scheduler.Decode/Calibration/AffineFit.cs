using Scheduler.Core.CostModels;

namespace Scheduler.Decode.Calibration;

/// <summary>
/// The least-squares fit of step seconds = α + β·n + γ·ΣKV over measured points, with its coefficient of
/// determination and residuals (measured − fitted, seconds, in point order). Coefficients are kept
/// non-negative: a step cannot take negative time, and a negative intercept (seen here when caches outgrow
/// the CPU caches and per-token cost bends upward) would make an empty rank's step negative in the
/// simulator. When the free fit gives a negative coefficient, the fit is redone without that term.
/// </summary>
public sealed record AffineFit(double Alpha, double Beta, double Gamma, double R2, IReadOnlyList<double> Residuals)
{
    public AffineCost Cost => new(Alpha, Beta, Gamma);

    public double ResidualRms => Math.Sqrt(Residuals.Sum(r => r * r) / Residuals.Count);

    public double MaxAbsResidual => Residuals.Max(Math.Abs);

    public double Predict(int requests, double kvTokens) => Alpha + Beta * requests + Gamma * kvTokens;

    /// <exception cref="ArgumentException">Fewer than 4 points, or n and ΣKV do not vary independently.</exception>
    public static AffineFit Fit(IReadOnlyList<int> requests, IReadOnlyList<double> kvTokens, IReadOnlyList<double> seconds)
    {
        var m = seconds.Count;
        if (requests.Count != m || kvTokens.Count != m) throw new ArgumentException("requests, KV tokens and seconds differ in length");
        if (m < 4) throw new ArgumentException($"{m} points cannot fit 3 coefficients and judge the fit");
        var x = new double[m, 3];
        var y = new double[m];
        for (var i = 0; i < m; i++)
        {
            x[i, 0] = 1;
            x[i, 1] = requests[i];
            x[i, 2] = kvTokens[i];
            y[i] = seconds[i];
        }
        var c = NonNegative(x, y);

        var mean = y.Average();
        double ssRes = 0, ssTot = 0;
        var residuals = new double[m];
        for (var i = 0; i < m; i++)
        {
            residuals[i] = y[i] - (c[0] + c[1] * requests[i] + c[2] * kvTokens[i]);
            ssRes += residuals[i] * residuals[i];
            ssTot += (y[i] - mean) * (y[i] - mean);
        }
        var r2 = ssTot == 0 ? (ssRes == 0 ? 1 : 0) : 1 - ssRes / ssTot;
        return new AffineFit(c[0], c[1], c[2], r2, residuals);
    }

    /// <summary>Least squares over the terms left after dropping any whose coefficient comes out negative
    /// (an active-set method: with three terms, at most three refits).</summary>
    private static double[] NonNegative(double[,] x, double[] y)
    {
        var m = y.Length;
        var active = new List<int> { 0, 1, 2 };
        while (true)
        {
            var sub = new double[m, active.Count];
            for (var i = 0; i < m; i++)
                for (var k = 0; k < active.Count; k++) sub[i, k] = x[i, active[k]];
            var solved = LeastSquares.Solve(sub, y);
            var worst = -1;
            for (var k = 0; k < active.Count; k++)
                if (solved[k] < 0 && (worst < 0 || solved[k] < solved[worst])) worst = k;
            if (worst < 0 || active.Count == 1)
            {
                var c = new double[3];
                for (var k = 0; k < active.Count; k++) c[active[k]] = Math.Max(0, solved[k]);
                return c;
            }
            active.RemoveAt(worst);
        }
    }
}
