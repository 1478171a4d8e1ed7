using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Scheduler.Runtime.Ingestion;

/// <summary>
/// Parses one request object (SPEC §7): <c>{"id": "&lt;string&gt;", "prompt_tokens": N, "output_tokens": N,
/// "predicted_output_tokens": N?, "arrival_s": X?}</c>. Unknown keys are ignored; wrong types, missing or
/// non-positive lengths, a key given twice or anything after the object are rejected with a reason naming the key.
/// </summary>
public static class RequestJson
{
    public const string IdKey = "id";
    public const string PromptKey = "prompt_tokens";
    public const string OutputKey = "output_tokens";
    public const string PredictedKey = "predicted_output_tokens";
    public const string ArrivalKey = "arrival_s";

    /// <summary>A request as one JSON object on one line (what <c>scheduler publish</c> sends).</summary>
    public static string Format(in ServiceRequest r)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString(IdKey, r.Id);
            json.WriteNumber(PromptKey, r.PromptTokens);
            json.WriteNumber(OutputKey, r.OutputTokens);
            json.WriteNumber(PredictedKey, r.PredictedOutputTokens);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static ParsedRecord Parse(string text)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var length = Encoding.UTF8.GetBytes(text, rented);
            return Parse(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static ParsedRecord Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return ParseObject(utf8);
        }
        catch (JsonException e)
        {
            return new ParsedRecord.Rejected($"not a JSON object: {FirstLine(e.Message)}");
        }
    }

    private static ParsedRecord ParseObject(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read()) return new ParsedRecord.Rejected("empty record");
        if (reader.TokenType != JsonTokenType.StartObject) return new ParsedRecord.Rejected($"not a JSON object: found {Describe(reader.TokenType)}");

        string? id = null;
        int? prompt = null, output = null, predicted = null;
        double? arrival = null;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = Known(ref reader);
            if (!reader.Read()) break;
            if (key < 0)
            {
                reader.Skip();
                continue;
            }
            if ((seen & (1 << key)) != 0) return new ParsedRecord.Rejected($"key '{KeyName(key)}' is given twice");
            seen |= 1 << key;
            string? why;
            switch (key)
            {
                case 0:
                    if (reader.TokenType != JsonTokenType.String) return new ParsedRecord.Rejected($"{IdKey} must be a string, found {Describe(reader.TokenType)}");
                    id = reader.GetString();
                    if (string.IsNullOrWhiteSpace(id)) return new ParsedRecord.Rejected($"{IdKey} must not be empty");
                    break;
                case 1:
                    if ((why = ReadCount(ref reader, PromptKey, positive: true, out var p)) is not null) return new ParsedRecord.Rejected(why);
                    prompt = p;
                    break;
                case 2:
                    if ((why = ReadCount(ref reader, OutputKey, positive: true, out var o)) is not null) return new ParsedRecord.Rejected(why);
                    output = o;
                    break;
                case 3:
                    if (reader.TokenType == JsonTokenType.Null) break;
                    if ((why = ReadCount(ref reader, PredictedKey, positive: false, out var e)) is not null) return new ParsedRecord.Rejected(why);
                    predicted = e;
                    break;
                case 4:
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var a) || !double.IsFinite(a))
                        return new ParsedRecord.Rejected($"{ArrivalKey} must be a number, found {Describe(reader.TokenType)}");
                    if (a < 0) return new ParsedRecord.Rejected($"{ArrivalKey} {a.ToString(CultureInfo.InvariantCulture)} must not be negative");
                    arrival = a;
                    break;
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject) return new ParsedRecord.Rejected("not a JSON object: it does not end with '}'");
        if (reader.Read()) return new ParsedRecord.Rejected($"more than one JSON value: {Describe(reader.TokenType)} after the object");

        if (id is null) return new ParsedRecord.Rejected($"{IdKey} is missing");
        if (prompt is null) return new ParsedRecord.Rejected($"{PromptKey} is missing");
        if (output is null) return new ParsedRecord.Rejected($"{OutputKey} is missing");
        return new ParsedRecord.Accepted(new ServiceRequest(id, prompt.Value, output.Value, predicted ?? output.Value, arrival ?? 0.0));
    }

    /// <summary>The index of a key this parser reads, or −1.</summary>
    private static int Known(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals(IdKey)) return 0;
        if (reader.ValueTextEquals(PromptKey)) return 1;
        if (reader.ValueTextEquals(OutputKey)) return 2;
        if (reader.ValueTextEquals(PredictedKey)) return 3;
        if (reader.ValueTextEquals(ArrivalKey)) return 4;
        return -1;
    }

    private static string KeyName(int key) => key switch
    {
        0 => IdKey,
        1 => PromptKey,
        2 => OutputKey,
        3 => PredictedKey,
        _ => ArrivalKey,
    };

    /// <summary>A token count: an integral JSON number within int range, positive (or ≥ 0); null when valid, else why not.</summary>
    private static string? ReadCount(ref Utf8JsonReader reader, string key, bool positive, out int value)
    {
        value = 0;
        if (reader.TokenType != JsonTokenType.Number) return $"{key} must be an integer, found {Describe(reader.TokenType)}";
        if (!reader.TryGetInt32(out value))
        {
            var text = Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);
            return reader.TryGetInt64(out _) || long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                || (text.Length > 0 && !text.Contains('.') && !text.Contains('e') && !text.Contains('E'))
                ? $"{key} {text} is out of range (at most {int.MaxValue})"
                : $"{key} {text} is not an integer";
        }
        if (positive && value <= 0) return $"{key} {value} must be positive";
        if (!positive && value < 0) return $"{key} {value} must not be negative";
        return null;
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => token.ToString(),
    };

    private static string FirstLine(string message)
    {
        var cut = message.IndexOfAny(['\r', '\n']);
        return cut < 0 ? message : message[..cut];
    }
}
