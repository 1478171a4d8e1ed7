using ScottPlot;

namespace Scheduler.Cli.Plots;

/// <summary>Small wrapper over ScottPlot for the charts the CLI writes: named series of (x, y) points.</summary>
public sealed class LineChart(string title, string xLabel, string yLabel)
{
    private readonly List<(string Name, double[] X, double[] Y, bool Lines)> _series = [];

    public LineChart Series(string name, IReadOnlyList<double> x, IReadOnlyList<double> y, bool lines = true)
    {
        _series.Add((name, x.ToArray(), y.ToArray(), lines));
        return this;
    }

    public void SavePng(string path, int width = 900, int height = 560)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        foreach (var (name, x, y, lines) in _series)
        {
            var scatter = plot.Add.Scatter(x, y);
            scatter.LegendText = name;
            scatter.MarkerSize = x.Length > 200 ? 0 : 6;
            if (!lines) scatter.LineWidth = 0;
        }
        if (_series.Count > 1 && _series.Count <= 12) plot.ShowLegend(Alignment.UpperRight);
        else plot.HideLegend();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, width, height);
    }
}
