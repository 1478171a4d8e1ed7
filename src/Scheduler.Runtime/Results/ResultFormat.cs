using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Scheduler.Runtime.Ingestion;

namespace Scheduler.Runtime.Results;

/// <summary>How result lines are written.</summary>
public enum ResultFormat
{
    /// <summary>One JSON object per line (SPEC §7): the service's format.</summary>
    JsonLines,

    /// <summary>A header, then one comma-separated row per result (<c>run --results FILE.csv</c>).</summary>
    Csv,
}

/// <summary>Writes results and dead letters as lines of either format; one set of field names for both.</summary>
public static class ResultLines
{
    public const string CsvHeader = "id,status,rank,queued_s,ttft_s,e2e_s,output_tokens,reason";

    /// <summary>CSV for a path ending in .csv, JSON lines otherwise.</summary>
    public static ResultFormat FormatFor(string path) =>
        string.Equals(System.IO.Path.GetExtension(path), ".csv", StringComparison.OrdinalIgnoreCase) ? ResultFormat.Csv : ResultFormat.JsonLines;

    public static string? Header(ResultFormat format) => format == ResultFormat.Csv ? CsvHeader : null;

    public static string Status(ResultStatus status) => status == ResultStatus.Completed ? "completed" : "failed";

    public static string Format(RequestResult r, ResultFormat format)
    {
        if (format == ResultFormat.Csv)
        {
            return string.Join(',', Csv(r.Id), Status(r.Status), Number(r.Rank), Number(r.QueuedSeconds), Number(r.TtftSeconds),
                Number(r.E2eSeconds), r.OutputTokens.ToString(CultureInfo.InvariantCulture), Csv(r.Reason ?? ""));
        }
        return Json(json =>
        {
            json.WriteString("id", r.Id);
            json.WriteString("status", Status(r.Status));
            WriteNumber(json, "rank", r.Rank);
            WriteNumber(json, "queued_s", r.QueuedSeconds);
            WriteNumber(json, "ttft_s", r.TtftSeconds);
            WriteNumber(json, "e2e_s", r.E2eSeconds);
            json.WriteNumber("output_tokens", r.OutputTokens);
            if (r.Reason is not null) json.WriteString("reason", r.Reason);
        });
    }

    /// <summary>A dead letter as a results line: <c>{"status": "rejected", "reason", "position", "text"}</c>.</summary>
    public static string Format(DeadLetter d, ResultFormat format)
    {
        if (format == ResultFormat.Csv)
            return string.Join(',', "", "rejected", "", "", "", "", "0", Csv($"{d.Position}: {d.Reason}"));
        return Json(json =>
        {
            json.WriteString("status", "rejected");
            json.WriteString("reason", d.Reason);
            json.WriteString("position", d.Position);
            json.WriteString("text", d.Text);
        });
    }

    /// <summary>A dead letter on its own destination (a dead-letter file or queue): the same object without a status.</summary>
    public static string FormatDeadLetter(DeadLetter d) => Json(json =>
    {
        json.WriteString("reason", d.Reason);
        json.WriteString("position", d.Position);
        json.WriteString("text", d.Text);
    });

    [ThreadStatic] private static ArrayBufferWriter<byte>? _buffer;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Ids and texts are the producer's: keep them readable (no \u escapes for non-ASCII) but valid JSON.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private static string Json(Action<Utf8JsonWriter> body)
    {
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteNumber(Utf8JsonWriter json, string key, double? value)
    {
        if (value is { } v && double.IsFinite(v)) json.WriteNumber(key, v);
        else json.WriteNull(key);
    }

    private static void WriteNumber(Utf8JsonWriter json, string key, int? value)
    {
        if (value is { } v) json.WriteNumber(key, v);
        else json.WriteNull(key);
    }

    private static string Number(double? value) =>
        value is { } v && double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string Csv(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"") + "\"";
}
