using Scheduler.Core.CostModels;

namespace Scheduler.Decode.Calibration;

/// <summary>
/// The least-squares fit of step seconds = α + β·n + γ·ΣKV over measured points, with its coefficient of
/// determination and residuals (measured − fitted, seconds, in point order).
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
        var c = LeastSquares.Solve(x, y);

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
}
