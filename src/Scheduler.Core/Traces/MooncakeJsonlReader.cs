using System.Globalization;
using System.Text.Json;
using Scheduler.Core.Model;

namespace Scheduler.Core.Traces;

/// <summary>
/// Reads a Mooncake trace: one JSON object per line with <c>timestamp</c> (milliseconds),
/// <c>input_length</c> and <c>output_length</c>; other keys (e.g. <c>hash_ids</c>) are ignored and blank
/// lines skipped. Arrival = (timestamp − first timestamp) / 1000 seconds.
/// </summary>
public static class MooncakeJsonlReader
{
    public const string TimestampKey = "timestamp";
    public const string PromptKey = "input_length";
    public const string OutputKey = "output_length";

    public static Workload Read(string path) => Parse(TraceFile.ReadUtf8(path), path);

    /// <summary>Parses UTF-8 JSONL; <paramref name="file"/> names the source in errors and in the workload.</summary>
    public static Workload Parse(ReadOnlyMemory<byte> utf8, string file)
    {
        var requests = new List<Request>();
        var rest = utf8.Span;
        var line = 0;
        double first = 0, previous = 0;
        while (!rest.IsEmpty)
        {
            line++;
            var end = rest.IndexOf((byte)'\n');
            var row = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            if (row.Trim(" \t\r"u8).IsEmpty) continue;

            var (timestamp, prompt, output) = ParseLine(row, file, line, requests.Count);
            if (requests.Count == 0) first = previous = timestamp;
            if (timestamp < previous)
                throw new TraceFormatException(file, line, string.Create(CultureInfo.InvariantCulture,
                    $"{TimestampKey} {timestamp:R} is earlier than the previous record's {previous:R}; timestamps must not decrease"));
            previous = timestamp;
            requests.Add(new Request(requests.Count, prompt, output, output, (timestamp - first) / 1000.0));
        }

        if (requests.Count == 0) throw new TraceFormatException(file, 0, "empty file: no records");
        return new Workload(requests, file);
    }

    private static (double Timestamp, int Prompt, int Output) ParseLine(ReadOnlySpan<byte> row, string file, int line, int index)
    {
        var record = $"record {index}";
        var reader = new Utf8JsonReader(row);
        double? timestamp = null;
        int? prompt = null, output = null;
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
                throw new TraceFormatException(file, line, $"{record}: expected a JSON object per line, found {JsonFields.Describe(ref reader)}");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(TimestampKey))
                {
                    reader.Read();
                    timestamp = JsonFields.ReadNumber(ref reader, TimestampKey, file, line, record);
                }
                else if (reader.ValueTextEquals(PromptKey))
                {
                    reader.Read();
                    prompt = JsonFields.ReadInt32(ref reader, PromptKey, file, line, record);
                    TraceFields.RequirePositive(prompt.Value, PromptKey, file, line, record);
                }
                else if (reader.ValueTextEquals(OutputKey))
                {
                    reader.Read();
                    output = JsonFields.ReadInt32(ref reader, OutputKey, file, line, record);
                    TraceFields.RequirePositive(output.Value, OutputKey, file, line, record);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            // Two objects on one line would drop the second: trailing content throws here.
            while (reader.Read()) { }
        }
        catch (JsonException e)
        {
            throw new TraceFormatException(file, line, $"{record}: {JsonFields.SyntaxReason(e)}", e);
        }
        if (timestamp is null) throw new TraceFormatException(file, line, $"{record}: missing {TimestampKey}");
        if (prompt is null) throw new TraceFormatException(file, line, $"{record}: missing {PromptKey}");
        if (output is null) throw new TraceFormatException(file, line, $"{record}: missing {OutputKey}");
        return (timestamp.Value, prompt.Value, output.Value);
    }
}
