using System.Globalization;
using System.Text;
using System.Text.Json;
using Scheduler.Core.Simulation;

namespace Scheduler.Cli.Output;

/// <summary>Writes run summaries as a side-by-side table, one JSON array, or CSV rows.</summary>
public static class SummaryWriter
{
    public static void Write(TextWriter output, OutputFormat format, IReadOnlyList<RunSummary> summaries)
    {
        switch (format)
        {
            case OutputFormat.Json: WriteJson(output, summaries); break;
            case OutputFormat.Csv: WriteCsv(output, summaries); break;
            default: WriteTable(output, summaries); break;
        }
    }

    public static void WriteTable(TextWriter output, IReadOnlyList<RunSummary> summaries)
    {
        var fields = SummaryFields.All;
        var labelWidth = fields.Max(f => f.Label.Length);
        var cells = summaries.Select(s => fields.Select(f => FormatCell(f, s)).ToArray()).ToArray();
        var widths = cells.Select(c => c.Max(x => x.Length)).ToArray();
        var sb = new StringBuilder();
        for (var row = 0; row < fields.Count; row++)
        {
            sb.Append(fields[row].Label.PadRight(labelWidth));
            for (var col = 0; col < summaries.Count; col++)
                sb.Append("  ").Append(cells[col][row].PadLeft(widths[col]));
            sb.AppendLine();
            if (row == 0)
            {
                sb.Append(new string('-', labelWidth));
                foreach (var w in widths) sb.Append("  ").Append(new string('-', w));
                sb.AppendLine();
            }
        }
        output.Write(sb.ToString());
    }

    private static string FormatCell(SummaryFields.Field field, RunSummary summary) =>
        field.Value(summary) switch
        {
            string s => s,
            int i => i.ToString(field.TableFormat, CultureInfo.InvariantCulture),
            double d when double.IsNaN(d) => "-",
            double d => d.ToString(field.TableFormat, CultureInfo.InvariantCulture),
            var o => Convert.ToString(o, CultureInfo.InvariantCulture) ?? "",
        };

    public static void WriteJson(TextWriter output, IReadOnlyList<RunSummary> summaries)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (var s in summaries) WriteObject(json, s);
            json.WriteEndArray();
        }
        output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }

    public static void WriteObject(Utf8JsonWriter json, RunSummary summary)
    {
        json.WriteStartObject();
        foreach (var f in SummaryFields.All)
        {
            switch (f.Value(summary))
            {
                case string s: json.WriteString(f.Key, s); break;
                case int i: json.WriteNumber(f.Key, i); break;
                case double d when !double.IsFinite(d): json.WriteNull(f.Key); break;
                case double d: json.WriteNumber(f.Key, d); break;
            }
        }
        json.WriteEndObject();
    }

    public static void WriteCsv(TextWriter output, IReadOnlyList<RunSummary> summaries)
    {
        output.WriteLine(string.Join(',', SummaryFields.All.Select(f => f.Key)));
        foreach (var s in summaries)
            output.WriteLine(string.Join(',', SummaryFields.All.Select(f => f.Value(s) switch
            {
                string str => str.Contains(',') ? $"\"{str}\"" : str,
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                var o => Convert.ToString(o, CultureInfo.InvariantCulture),
            })));
    }
}
