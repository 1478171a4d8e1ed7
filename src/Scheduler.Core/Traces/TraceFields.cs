using System.Globalization;

namespace Scheduler.Core.Traces;

/// <summary>
/// Parses and checks the numeric fields every format shares (token counts, arrival seconds), so one
/// wording of each error serves all readers. Spans and invariant culture: no allocation per field,
/// and a trace reads the same on every machine.
/// </summary>
internal static class TraceFields
{
    public static int ParseInt(ReadOnlySpan<char> text, string column, string file, int line)
    {
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            return value;
        throw new TraceFormatException(file, line, NotAnInteger(column, text.ToString(), LooksIntegral(text)));
    }

    public static double ParseSeconds(ReadOnlySpan<char> text, string column, string file, int line)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
            return value;
        throw new TraceFormatException(file, line, $"{column} '{text.ToString()}' is not a number");
    }

    /// <summary>The reason for a field that should be a 32-bit integer and is not; an all-digit text overflowed.</summary>
    public static string NotAnInteger(string column, string text, bool integral) =>
        integral
            ? $"{column} '{text}' is out of range (at most {int.MaxValue})"
            : $"{column} '{text}' is not an integer";

    public static bool LooksIntegral(ReadOnlySpan<char> text)
    {
        if (text.Length > 0 && (text[0] == '-' || text[0] == '+')) text = text[1..];
        return text.Length > 0 && !text.ContainsAnyExceptInRange('0', '9');
    }

    /// <summary>Prompt and output lengths: a request with no prompt or no output cannot be decoded.</summary>
    public static void RequirePositive(int value, string column, string file, int line, string? record = null)
    {
        if (value <= 0)
            throw new TraceFormatException(file, line, $"{Prefix(record)}{column} {value} must be positive");
    }

    public static void RequireNonNegative(int value, string column, string file, int line, string? record = null)
    {
        if (value < 0)
            throw new TraceFormatException(file, line, $"{Prefix(record)}{column} {value} must not be negative");
    }

    public static string Prefix(string? record) => record is null ? "" : record + ": ";
}
