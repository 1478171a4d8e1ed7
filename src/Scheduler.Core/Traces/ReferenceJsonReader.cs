using System.Text.Json;
using Scheduler.Core.Model;

namespace Scheduler.Core.Traces;

/// <summary>
/// Reads the paper simulator's request file, <c>{"data": [{"input_length": s, "output_length": o}, ...]}</c>
/// (other keys, at any level, are ignored). It has no timestamps: every arrival is 0 (backlogged).
/// </summary>
/// <remarks>
/// Streams with <see cref="Utf8JsonReader"/> rather than a DOM so that a bad record can be reported at its
/// line (tracked from token offsets) and so the reader allocates nothing per record.
/// </remarks>
public static class ReferenceJsonReader
{
    public const string DataKey = "data";
    public const string PromptKey = "input_length";
    public const string OutputKey = "output_length";

    public static Workload Read(string path) => Parse(TraceFile.ReadUtf8(path), path);

    /// <summary>Parses UTF-8 JSON; <paramref name="file"/> names the source in errors and in the workload.</summary>
    public static Workload Parse(ReadOnlyMemory<byte> utf8, string file)
    {
        // System.Text.Json reports "no tokens" as a syntax error; an empty file deserves its own words.
        if (utf8.Span.Trim(" \t\r\n"u8).IsEmpty) throw new TraceFormatException(file, 0, "empty file: no JSON document");
        var lines = new ByteLineCounter(utf8);
        var reader = new Utf8JsonReader(utf8.Span, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        List<Request>? requests = null;
        var dataLine = 0;
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
                throw new TraceFormatException(file, lines.LineAt(reader.TokenStartIndex),
                    $"expected a JSON object with a \"{DataKey}\" array at the top level, found {JsonFields.Describe(ref reader)}");

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals(DataKey))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }
                dataLine = lines.LineAt(reader.TokenStartIndex);
                if (requests is not null)
                    throw new TraceFormatException(file, dataLine, $"\"{DataKey}\" appears twice; which records to use is ambiguous");
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                    throw new TraceFormatException(file, dataLine, $"\"{DataKey}\" must be an array of records, found {JsonFields.Describe(ref reader)}");
                requests = ReadRecords(ref reader, lines, file);
            }
            // A trailing value after the top-level object surfaces here as a JsonException.
            while (reader.Read()) { }
        }
        catch (JsonException e)
        {
            throw new TraceFormatException(file, JsonFields.SyntaxLine(e), JsonFields.SyntaxReason(e), e);
        }

        if (requests is null) throw new TraceFormatException(file, 0, $"no \"{DataKey}\" array at the top level");
        if (requests.Count == 0) throw new TraceFormatException(file, dataLine, $"\"{DataKey}\" array is empty: no records");
        return new Workload(requests, file);
    }

    /// <summary>Reads the elements of the data array; on return the reader is on its EndArray.</summary>
    private static List<Request> ReadRecords(ref Utf8JsonReader reader, ByteLineCounter lines, string file)
    {
        var requests = new List<Request>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var index = requests.Count;
            var record = $"record {index}";
            var recordLine = lines.LineAt(reader.TokenStartIndex);
            if (reader.TokenType != JsonTokenType.StartObject)
                throw new TraceFormatException(file, recordLine,
                    $"{record}: expected an object with {PromptKey} and {OutputKey}, found {JsonFields.Describe(ref reader)}");

            int? prompt = null, output = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(PromptKey))
                {
                    reader.Read();
                    var line = lines.LineAt(reader.TokenStartIndex);
                    prompt = JsonFields.ReadInt32(ref reader, PromptKey, file, line, record);
                    TraceFields.RequirePositive(prompt.Value, PromptKey, file, line, record);
                }
                else if (reader.ValueTextEquals(OutputKey))
                {
                    reader.Read();
                    var line = lines.LineAt(reader.TokenStartIndex);
                    output = JsonFields.ReadInt32(ref reader, OutputKey, file, line, record);
                    TraceFields.RequirePositive(output.Value, OutputKey, file, line, record);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (prompt is null) throw new TraceFormatException(file, recordLine, $"{record}: missing {PromptKey}");
            if (output is null) throw new TraceFormatException(file, recordLine, $"{record}: missing {OutputKey}");
            requests.Add(new Request(index, prompt.Value, output.Value, output.Value));
        }
        return requests;
    }
}
