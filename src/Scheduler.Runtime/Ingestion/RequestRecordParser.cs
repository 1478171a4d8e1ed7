using System.Globalization;
using Scheduler.Core.Model;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Ingestion;

/// <summary>A record the stream could not accept: where it stood, its text and why.</summary>
public sealed record DeadLetterRecord(string Source, long Line, string Text, string Reason)
{
    public override string ToString() => $"{Source}:{Line}: {Reason} (record: \"{Text}\")";
}

/// <summary>One raw record after parsing: accepted as a request, or rejected to the dead-letter sink.</summary>
public abstract record ParsedRecord
{
    public sealed record Accepted(IngestedRequest Request) : ParsedRecord;

    public sealed record Rejected(DeadLetterRecord DeadLetter) : ParsedRecord;
}

/// <summary>
/// Parses and validates request records <c>id,prompt_tokens,output_tokens,predicted_output_tokens[,arrival_s]</c>
/// one line at a time (SPEC §5, request CSV). A header on the first line and blank lines are not records.
/// An accepted record gets the next dense run id; its own id must exceed every accepted id before it and its
/// arrival must not precede theirs. A malformed record is rejected with its reason and position, and
/// the records after it are judged on their own. Stateful: one parser per stream materialization.
/// </summary>
public sealed class RequestRecordParser(string source)
{
    private const string Header = "id,prompt_tokens,output_tokens,predicted_output_tokens";
    private int _accepted;
    private long _lastSourceId = long.MinValue;
    private double _lastArrival;

    public string Source { get; } = source;

    /// <summary>Parse line <paramref name="line"/> (1-based); null when it is a header or blank.</summary>
    public ParsedRecord? Parse(string text, long line)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0) return null;
        if (line == 1 && trimmed.StartsWith(Header, StringComparison.OrdinalIgnoreCase)) return null;

        var fields = trimmed.Split(',');
        if (fields.Length is < 4 or > 5)
            return Reject(text, line, $"expected 4 or 5 comma-separated fields (id,prompt_tokens,output_tokens,predicted_output_tokens[,arrival_s]), found {fields.Length}");
        if (!long.TryParse(fields[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
            return Reject(text, line, $"id '{fields[0].Trim()}' is not an integer");
        if (!TryPositive(fields[1], out var prompt, out var why)) return Reject(text, line, "prompt_tokens " + why);
        if (!TryPositive(fields[2], out var output, out why)) return Reject(text, line, "output_tokens " + why);
        if (!int.TryParse(fields[3].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var predicted))
            return Reject(text, line, $"predicted_output_tokens '{fields[3].Trim()}' is not an integer");
        if (predicted < 0) return Reject(text, line, $"predicted_output_tokens {predicted} must not be negative");

        var arrival = 0.0;
        if (fields.Length == 5)
        {
            if (!double.TryParse(fields[4].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out arrival) || !double.IsFinite(arrival))
                return Reject(text, line, $"arrival_s '{fields[4].Trim()}' is not a finite number");
            if (arrival < 0) return Reject(text, line, $"arrival_s {arrival.ToString(CultureInfo.InvariantCulture)} must not be negative");
        }
        if (_accepted > 0 && id <= _lastSourceId)
            return Reject(text, line, $"id {id} does not follow id {_lastSourceId}: ids must increase");
        if (_accepted > 0 && arrival < _lastArrival)
            return Reject(text, line, $"arrival_s {arrival.ToString(CultureInfo.InvariantCulture)} precedes the previous request's {_lastArrival.ToString(CultureInfo.InvariantCulture)}: timestamps must not decrease");

        var request = new Request(_accepted, prompt, output, predicted, arrival);
        _accepted++;
        _lastSourceId = id;
        _lastArrival = arrival;
        return new ParsedRecord.Accepted(new IngestedRequest(request, id, line));
    }

    private ParsedRecord.Rejected Reject(string text, long line, string reason) =>
        new(new DeadLetterRecord(Source, line, text, reason));

    private static bool TryPositive(string field, out int value, out string why)
    {
        var t = field.Trim();
        if (!int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
        {
            why = $"'{t}' is not an integer";
            return false;
        }
        if (value <= 0)
        {
            why = $"{value} must be positive";
            return false;
        }
        why = "";
        return true;
    }
}
