using System.Globalization;
using Scheduler.Core.Traces;

namespace Scheduler.Runtime.Ingestion;

/// <summary>
/// Parses a text stream of requests line by line, the way a file or stdin holds them: JSON lines (one request
/// object per line, SPEC §7), or the request CSV (SPEC §5) read by the names in its header, so column order
/// does not matter and unknown columns are ignored. The first non-blank line decides which (a UTF-8 byte-order
/// mark before it is dropped). A malformed line is rejected with its reason and the lines after it are judged on
/// their own. Stateful: one parser per stream.
/// </summary>
public sealed class RequestLineParser
{
    private enum Format { Unknown, JsonLines, Csv, BrokenCsv }

    private Format _format;
    private CsvHeader? _header;
    private int _idColumn, _promptColumn, _outputColumn, _predictedColumn = -1, _arrivalColumn = -1;
    private string _brokenHeader = "";

    /// <summary>Parse line <paramref name="lineNumber"/> (1-based).</summary>
    public ParsedRecord Parse(string text, long lineNumber)
    {
        var line = text.AsSpan();
        if (_format == Format.Unknown && line.Length > 0 && line[0] == '\uFEFF') line = line[1..];
        line = line.Trim();
        if (line.IsEmpty) return ParsedRecord.Skipped.Instance;

        switch (_format)
        {
            case Format.Unknown when line[0] == '{':
                _format = Format.JsonLines;
                return RequestJson.Parse(line.ToString());
            case Format.Unknown:
                return ReadHeader(line, lineNumber);
            case Format.JsonLines:
                return RequestJson.Parse(line.ToString());
            case Format.Csv:
                return ParseRow(line, lineNumber);
            default:
                return new ParsedRecord.Rejected($"no usable CSV header: {_brokenHeader}");
        }
    }

    private ParsedRecord ReadHeader(ReadOnlySpan<char> line, long lineNumber)
    {
        try
        {
            var header = CsvHeader.Parse(line, "", (int)Math.Min(lineNumber, int.MaxValue));
            if (header.Find(RequestJson.PromptKey) < 0 && header.Find(RequestJson.OutputKey) < 0 && header.Find(RequestJson.IdKey) < 0)
                return BrokenHeader(lineNumber,
                    $"line {lineNumber} is neither a JSON request nor a CSV header: a request CSV names its columns " +
                    $"({RequestJson.IdKey},{RequestJson.PromptKey},{RequestJson.OutputKey}[,{RequestJson.PredictedKey},{RequestJson.ArrivalKey}])");
            foreach (var required in new[] { RequestJson.IdKey, RequestJson.PromptKey, RequestJson.OutputKey })
                if (header.Find(required) < 0) return BrokenHeader(lineNumber, $"the header on line {lineNumber} has no '{required}' column");
            _header = header;
            _idColumn = header.Find(RequestJson.IdKey);
            _promptColumn = header.Find(RequestJson.PromptKey);
            _outputColumn = header.Find(RequestJson.OutputKey);
            _predictedColumn = header.Find(RequestJson.PredictedKey);
            _arrivalColumn = header.Find(RequestJson.ArrivalKey);
            _format = Format.Csv;
            return ParsedRecord.Skipped.Instance;
        }
        catch (TraceFormatException e)
        {
            return BrokenHeader(lineNumber, $"the header on line {lineNumber}: {e.Reason}");
        }
    }

    private ParsedRecord.Rejected BrokenHeader(long lineNumber, string reason)
    {
        _format = Format.BrokenCsv;
        _brokenHeader = reason;
        return new ParsedRecord.Rejected(reason);
    }

    private ParsedRecord ParseRow(ReadOnlySpan<char> row, long lineNumber)
    {
        ReadOnlySpan<Range> fields;
        try
        {
            fields = _header!.Split(row, (int)Math.Min(lineNumber, int.MaxValue));
        }
        catch (TraceFormatException e)
        {
            return new ParsedRecord.Rejected(e.Reason);
        }
        var id = row[fields[_idColumn]].ToString();
        if (id.Length == 0) return new ParsedRecord.Rejected($"{RequestJson.IdKey} is empty");
        if (Count(row[fields[_promptColumn]], RequestJson.PromptKey, positive: true, out var prompt) is { } why) return new ParsedRecord.Rejected(why);
        if (Count(row[fields[_outputColumn]], RequestJson.OutputKey, positive: true, out var output) is { } why2) return new ParsedRecord.Rejected(why2);
        var predicted = output;
        if (_predictedColumn >= 0 && !row[fields[_predictedColumn]].IsEmpty
            && Count(row[fields[_predictedColumn]], RequestJson.PredictedKey, positive: false, out predicted) is { } why3)
            return new ParsedRecord.Rejected(why3);
        var arrival = 0.0;
        if (_arrivalColumn >= 0 && !row[fields[_arrivalColumn]].IsEmpty)
        {
            var text = row[fields[_arrivalColumn]];
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out arrival) || !double.IsFinite(arrival))
                return new ParsedRecord.Rejected($"{RequestJson.ArrivalKey} '{text.ToString()}' is not a number");
            if (arrival < 0) return new ParsedRecord.Rejected($"{RequestJson.ArrivalKey} {text.ToString()} must not be negative");
        }
        return new ParsedRecord.Accepted(new ServiceRequest(id, prompt, output, predicted, arrival));
    }

    private static string? Count(ReadOnlySpan<char> text, string column, bool positive, out int value)
    {
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            var digits = text.Length > 0 && (text[0] is '-' or '+') ? text[1..] : text;
            return digits.Length > 0 && !digits.ContainsAnyExceptInRange('0', '9')
                ? $"{column} '{text.ToString()}' is out of range (at most {int.MaxValue})"
                : $"{column} '{text.ToString()}' is not an integer";
        }
        if (positive && value <= 0) return $"{column} {value} must be positive";
        if (!positive && value < 0) return $"{column} {value} must not be negative";
        return null;
    }
}
