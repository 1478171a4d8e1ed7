using System.Globalization;
using ScottPlot;

namespace Scheduler.Cli.Plots;

/// <summary>
/// A heat map of "times worse than the best" ratios (1 = best): rows and columns labelled, every cell annotated with
/// its ratio. Colour is log₂ of the ratio, capped at <c>cap</c>, so 1.0 is always the same colour and a 2× loss saturates.
/// </summary>
public sealed class HeatMap(string title, IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels, double[,] ratios)
{
    public void SavePng(string path, double cap = 2.0)
    {
        var rows = rowLabels.Count;
        var columns = columnLabels.Count;
        var colour = new double[rows, columns];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < columns; c++)
                colour[r, c] = double.IsFinite(ratios[r, c]) ? Math.Min(Math.Log2(Math.Max(1.0, ratios[r, c])), Math.Log2(cap)) : Math.Log2(cap);

        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(string.Create(CultureInfo.InvariantCulture, $"colour: log₂ of the ratio, 1.00 dark blue … ≥ {cap:0.#}× dark red"));
        // Cells drawn as rectangles: cell (r, c) covers x ∈ [c, c+1], y ∈ [rows−1−r, rows−r], the first row on top as in
        // the table (ScottPlot's own heatmap offsets and flips cells depending on its extent settings).
        IColormap colormap = new ScottPlot.Colormaps.Turbo();
        var range = new ScottPlot.Range(0, Math.Log2(cap));
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < columns; c++)
            {
                var cell = plot.Add.Rectangle(c, c + 1, rows - r - 1, rows - r);
                cell.FillColor = colormap.GetColor(colour[r, c], range);
                cell.LineWidth = 0;
            }
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < columns; c++)
            {
                var text = plot.Add.Text(Format(ratios[r, c]), c + 0.5, rows - r - 0.5);
                text.LabelFontSize = columns > 24 ? 7 : 10;
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontColor = colour[r, c] > 0.15 * Math.Log2(cap) && colour[r, c] < 0.85 * Math.Log2(cap) ? Colors.Black : Colors.White;
            }
        plot.Axes.Left.SetTicks(Enumerable.Range(0, rows).Select(r => rows - r - 0.5).ToArray(), rowLabels.ToArray());
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, columns).Select(c => c + 0.5).ToArray(), columnLabels.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 90;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 240;
        plot.Axes.Left.MinimumSize = 150;
        plot.Axes.SetLimits(0, columns, 0, rows);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, Math.Max(900, 200 + 46 * columns), Math.Max(500, 300 + 30 * rows));
    }

    private static string Format(double ratio) =>
        !double.IsFinite(ratio) ? "∞" : ratio < 9.995 ? ratio.ToString("0.00", CultureInfo.InvariantCulture) : ratio.ToString("0", CultureInfo.InvariantCulture);
}
