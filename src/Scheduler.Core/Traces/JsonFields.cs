using System.Text;
using System.Text.Json;

namespace Scheduler.Core.Traces;

/// <summary>
/// Typed reads of JSON record fields for the two JSON formats, with errors that name the record and the
/// offending text. A length written as <c>12.0</c> or <c>"12"</c> is rejected rather than coerced:
/// silently reinterpreting input is how a trace ends up measuring something else.
/// </summary>
internal static class JsonFields
{
    /// <summary>Reads the current token as a 32-bit integer.</summary>
    public static int ReadInt32(ref Utf8JsonReader reader, string field, string file, int line, string record)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetInt32(out var value)) return value;
            var text = Encoding.UTF8.GetString(reader.ValueSpan);
            throw new TraceFormatException(file, line, TraceFields.Prefix(record) + TraceFields.NotAnInteger(field, text, TraceFields.LooksIntegral(text)));
        }
        throw new TraceFormatException(file, line, $"{record}: {field} must be an integer, found {Describe(ref reader)}");
    }

    /// <summary>Reads the current token as a finite number (integral or not).</summary>
    public static double ReadNumber(ref Utf8JsonReader reader, string field, string file, int line, string record)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetDouble(out var value) && double.IsFinite(value)) return value;
            throw new TraceFormatException(file, line, $"{record}: {field} '{Encoding.UTF8.GetString(reader.ValueSpan)}' is out of range");
        }
        throw new TraceFormatException(file, line, $"{record}: {field} must be a number, found {Describe(ref reader)}");
    }

    /// <summary>The current token for an error message: its kind, and its text when short.</summary>
    public static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => $"string \"{Shorten(reader.GetString() ?? "")}\"",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        var other => other.ToString(),
    };

    /// <summary>The reason from a System.Text.Json syntax error, without the position it appends
    /// (the position is reported as the exception's line instead).</summary>
    public static string SyntaxReason(JsonException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut >= 0) message = message[..cut].TrimEnd();
        return "invalid JSON: " + message;
    }

    /// <summary>1-based line of a System.Text.Json syntax error (which counts from 0), or 0 when unknown.</summary>
    public static int SyntaxLine(JsonException e, int firstLine = 1) =>
        e.LineNumber is { } zeroBased ? (int)zeroBased + firstLine : 0;

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
