using System.Globalization;
using ScottPlot;

using Scheduler.Decode.Calibration;

namespace Scheduler.Cli.Plots;

/// <summary>The calibration chart: measured points and the fitted plane's line for each request count. Drawn by the CLI,
/// so the decoder (which a rank host ships) carries no plotting library.</summary>
public static class CalibrationPlot
{
    public static void Save(CalibrationResult result, string path, int width = 1000, int height = 620)
    {
        var fit = result.Fit;
        var plot = new Plot();
        plot.Title(string.Create(CultureInfo.InvariantCulture,
            $"Decode step: measured (points) vs α + β·n + γ·ΣKV (lines), R² = {fit.R2:F3}"));
        plot.XLabel("KV tokens held by the rank (ΣKV)");
        plot.YLabel("step time (ms)");
        var palette = new ScottPlot.Palettes.Category10();
        var counts = result.Samples.Select(s => s.Requests).Distinct().Order().ToArray();
        for (var c = 0; c < counts.Length; c++)
        {
            var n = counts[c];
            var points = result.Samples.Where(s => s.Requests == n).OrderBy(s => s.KvTokens).ToArray();
            var color = palette.GetColor(c);
            var measured = plot.Add.Scatter(points.Select(s => s.KvTokens).ToArray(), points.Select(s => s.Seconds * 1e3).ToArray());
            measured.LineWidth = 0;
            measured.MarkerSize = 8;
            measured.Color = color;
            measured.LegendText = $"n = {n}";
            var xs = new[] { points[0].KvTokens, points[^1].KvTokens };
            var fitted = plot.Add.Scatter(xs, xs.Select(kv => fit.Predict(n, kv) * 1e3).ToArray());
            fitted.MarkerSize = 0;
            fitted.LineWidth = 2;
            fitted.Color = color;
        }
        plot.ShowLegend(Alignment.UpperLeft);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        plot.SavePng(path, width, height);
    }
}
