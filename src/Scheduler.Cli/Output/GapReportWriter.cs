using System.Globalization;
using System.Text;
using System.Text.Json;
using Scheduler.Cli.Commands;

namespace Scheduler.Cli.Output;

/// <summary>Writes a <see cref="GapReport"/> as a table, a JSON object or a CSV row, and the per-decision samples as CSV.</summary>
public static class GapReportWriter
{
    private sealed record Field(string Key, string Label, Func<GapReport, object> Value, string TableFormat);

    private static readonly IReadOnlyList<Field> Fields =
    [
        new("policy", "policy", r => r.Policy, ""),
        new("calls", "policy calls with a solve", r => r.Calls, "N0"),
        new("calls_with_admissions", "calls with admissions", r => r.CallsWithAdmissions, "N0"),
        new("mean_candidates", "mean candidates", r => r.MeanCandidates, "F1"),
        new("mean_admitted", "mean admitted", r => r.MeanAdmitted, "F1"),
        new("bound_gap_mean", "gap to bound, mean", r => r.BoundGapMean, "P2"),
        new("bound_gap_median", "gap to bound, median", r => r.BoundGapMedian, "P2"),
        new("bound_gap_p90", "gap to bound, p90", r => r.BoundGapP90, "P2"),
        new("bound_gap_max", "gap to bound, max", r => r.BoundGapMax, "P2"),
        new("exact_tried", "exact solver tried", r => r.ExactTried, "N0"),
        new("exact_improved", "exact found better", r => r.ExactImproved, "N0"),
        new("found_gap_mean", "gap to best found, mean", r => r.FoundGapMean, "P4"),
        new("found_gap_max", "gap to best found, max", r => r.FoundGapMax, "P4"),
        new("exact_finished", "exact solver finished", r => r.ExactFinished, "N0"),
        new("exact_finished_share", "exact finished share", r => r.ExactFinishedShare, "P1"),
        new("exact_gap_mean", "gap to optimum, mean", r => r.ExactGapMean, "P4"),
        new("exact_gap_max", "gap to optimum, max", r => r.ExactGapMax, "P4"),
        new("bound_slack_mean", "bound below optimum, mean", r => r.BoundSlackMean, "P2"),
        new("probe_s", "bound + exact time (s)", r => r.ProbeSeconds, "F2"),
        new("wall_s", "wall time (s)", r => r.WallSeconds, "F2"),
    ];

    public static IReadOnlyList<string> Keys => Fields.Select(f => f.Key).ToArray();

    public static void Write(TextWriter output, OutputFormat format, GapReport report)
    {
        switch (format)
        {
            case OutputFormat.Json: WriteJson(output, report); break;
            case OutputFormat.Csv:
                output.WriteLine(string.Join(',', Keys));
                output.WriteLine(string.Join(',', Fields.Select(f => CsvCell(f.Value(report)))));
                break;
            default: WriteTable(output, report); break;
        }
    }

    private static void WriteTable(TextWriter output, GapReport report)
    {
        var labelWidth = Fields.Max(f => f.Label.Length);
        var sb = new StringBuilder();
        foreach (var f in Fields)
        {
            var cell = f.Value(report) switch
            {
                string s => s,
                int i => i.ToString(f.TableFormat, CultureInfo.InvariantCulture),
                double d when double.IsNaN(d) => "-",
                double d => d.ToString(f.TableFormat, CultureInfo.InvariantCulture),
                var o => Convert.ToString(o, CultureInfo.InvariantCulture) ?? "",
            };
            sb.Append(f.Label.PadRight(labelWidth)).Append("  ").AppendLine(cell);
        }
        output.Write(sb.ToString());
    }

    private static void WriteJson(TextWriter output, GapReport report)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            foreach (var f in Fields)
            {
                switch (f.Value(report))
                {
                    case string s: json.WriteString(f.Key, s); break;
                    case int i: json.WriteNumber(f.Key, i); break;
                    case double d when !double.IsFinite(d): json.WriteNull(f.Key); break;
                    case double d: json.WriteNumber(f.Key, d); break;
                }
            }
            json.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }

    /// <summary>One row per decision: call,ranks,rows,candidates,admit,objective,lower_bound,exact_run,exact_finished,exact,exact_nodes.</summary>
    public static void WriteSamples(string path, IReadOnlyList<GapSample> samples)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        using var writer = new StreamWriter(path);
        writer.WriteLine("call,ranks,rows,candidates,admit,objective,lower_bound,exact_run,exact_finished,exact,exact_nodes");
        foreach (var s in samples)
            writer.WriteLine(string.Join(',',
                CsvCell(s.Call), CsvCell(s.Ranks), CsvCell(s.Rows), CsvCell(s.Candidates), CsvCell(s.AdmitCount),
                CsvCell(s.Objective), CsvCell(s.LowerBound), s.ExactRun ? "1" : "0", s.ExactFinished ? "1" : "0",
                CsvCell(s.Exact), CsvCell(s.ExactNodes)));
    }

    private static string CsvCell(object value) => value switch
    {
        string s => s.Contains(',') ? $"\"{s}\"" : s,
        double d when double.IsNaN(d) => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        var o => Convert.ToString(o, CultureInfo.InvariantCulture) ?? "",
    };
}
