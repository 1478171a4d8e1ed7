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
        // Written by hand: one line per request, on the service's hot path (a general JSON writer and shortest
        // round-trip doubles cost several times more). Times in seconds to the nanosecond.
        var line = new StringBuilder(160);
        line.Append("{\"id\":");
        AppendJsonString(line, r.Id);
        line.Append(",\"status\":\"").Append(Status(r.Status)).Append("\",\"rank\":");
        if (r.Rank is { } rank) line.Append(rank); else line.Append("null");
        AppendSeconds(line.Append(",\"queued_s\":"), r.QueuedSeconds);
        AppendSeconds(line.Append(",\"ttft_s\":"), r.TtftSeconds);
        AppendSeconds(line.Append(",\"e2e_s\":"), r.E2eSeconds);
        line.Append(",\"output_tokens\":").Append(r.OutputTokens);
        if (r.Reason is not null) AppendJsonString(line.Append(",\"reason\":"), r.Reason);
        return line.Append('}').ToString();
    }

    /// <summary>Seconds with nine decimals at most and no trailing zeros (0.002231, 12.5), or null when not a finite number.</summary>
    private static void AppendSeconds(StringBuilder line, double? seconds)
    {
        if (seconds is not { } value || !double.IsFinite(value))
        {
            line.Append("null");
            return;
        }
        if (Math.Abs(value) >= 9e9)
        {
            // Beyond what nanoseconds in a long hold (about 292 years): the plain round-trip form.
            line.Append(value.ToString("R", CultureInfo.InvariantCulture));
            return;
        }
        var nanos = (long)Math.Round(value * 1e9, MidpointRounding.AwayFromZero);
        if (nanos < 0)
        {
            line.Append('-');
            nanos = -nanos;
        }
        line.Append(nanos / 1_000_000_000);
        var fraction = nanos % 1_000_000_000;
        if (fraction == 0) return;
        Span<char> digits = stackalloc char[9];
        for (var i = 8; i >= 0; i--)
        {
            digits[i] = (char)('0' + fraction % 10);
            fraction /= 10;
        }
        var length = 9;
        while (digits[length - 1] == '0') length--;
        line.Append('.').Append(digits[..length]);
    }

    /// <summary>A JSON string; text that needs no escaping (the usual id) is copied as it is.</summary>
    private static void AppendJsonString(StringBuilder line, string text)
    {
        foreach (var c in text)
        {
            if (c >= 0x20 && c != '"' && c != '\\') continue;
            line.Append('"').Append(JsonEncodedText.Encode(text, WriterOptions.Encoder).ToString()).Append('"');
            return;
        }
        line.Append('"').Append(text).Append('"');
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
