namespace Scheduler.Decode.Calibration;

/// <summary>Linear least squares min ‖X·b − y‖₂ by Householder QR (no normal equations, so no squared condition number).</summary>
public static class LeastSquares
{
    /// <param name="x">Design matrix, m rows × p columns, m ≥ p.</param>
    /// <param name="y">Observations, m values.</param>
    /// <returns>The p coefficients.</returns>
    /// <exception cref="ArgumentException">The columns are linearly dependent (the data cannot tell them apart).</exception>
    public static double[] Solve(double[,] x, double[] y)
    {
        int m = x.GetLength(0), p = x.GetLength(1);
        if (y.Length != m) throw new ArgumentException($"{m} rows but {y.Length} observations");
        if (m < p) throw new ArgumentException($"{m} observations cannot determine {p} coefficients");

        // Columns scaled to unit length first: seconds per request and per token differ by orders of magnitude.
        var a = (double[,])x.Clone();
        var b = (double[])y.Clone();
        var scale = new double[p];
        for (var j = 0; j < p; j++)
        {
            double s = 0;
            for (var i = 0; i < m; i++) s += a[i, j] * a[i, j];
            scale[j] = Math.Sqrt(s);
            if (scale[j] == 0) throw new ArgumentException($"column {j} is all zero");
            for (var i = 0; i < m; i++) a[i, j] /= scale[j];
        }

        var v = new double[m];
        for (var k = 0; k < p; k++)
        {
            double norm = 0;
            for (var i = k; i < m; i++) norm += a[i, k] * a[i, k];
            norm = Math.Sqrt(norm);
            var alpha = a[k, k] > 0 ? -norm : norm;
            double vv = 0;
            for (var i = k; i < m; i++)
            {
                v[i] = a[i, k] - (i == k ? alpha : 0);
                vv += v[i] * v[i];
            }
            if (vv == 0) continue;
            for (var j = k; j < p; j++) Reflect(a, j);
            var dot = 0.0;
            for (var i = k; i < m; i++) dot += v[i] * b[i];
            for (var i = k; i < m; i++) b[i] -= 2 * dot / vv * v[i];

            void Reflect(double[,] matrix, int column)
            {
                double d = 0;
                for (var i = k; i < m; i++) d += v[i] * matrix[i, column];
                for (var i = k; i < m; i++) matrix[i, column] -= 2 * d / vv * v[i];
            }
        }

        // Unit columns: a diagonal of R near zero means a column is (nearly) a combination of the others.
        for (var k = 0; k < p; k++)
            if (Math.Abs(a[k, k]) < 1e-10)
                throw new ArgumentException($"column {k} is linearly dependent on the others; vary it in the data");

        var coefficients = new double[p];
        for (var k = p - 1; k >= 0; k--)
        {
            var s = b[k];
            for (var j = k + 1; j < p; j++) s -= a[k, j] * coefficients[j];
            coefficients[k] = s / a[k, k];
        }
        for (var j = 0; j < p; j++) coefficients[j] /= scale[j];
        return coefficients;
    }
}
