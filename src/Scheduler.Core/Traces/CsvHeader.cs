namespace Scheduler.Core.Traces;

/// <summary>
/// The columns of a CSV trace, found by name so that column order may vary, and the splitter for its
/// rows. Fields are plain comma-separated values: neither trace format quotes, so a quoted field
/// surfaces as a bad value instead of being guessed at.
/// </summary>
public sealed class CsvHeader
{
    private readonly string[] _names;
    private readonly Range[] _ranges;
    private readonly string _file;
    private readonly int _line;

    private CsvHeader(string[] names, string file, int line)
    {
        _names = names;
        _file = file;
        _line = line;
        // One spare slot: Split leaves any excess in the last range, which reveals a row with too many fields.
        _ranges = new Range[names.Length + 1];
    }

    public int FieldCount => _names.Length;

    /// <summary>Parses the header found on <paramref name="lineNumber"/>; duplicate names are an error because the
    /// row values would be ambiguous.</summary>
    public static CsvHeader Parse(ReadOnlySpan<char> line, string file, int lineNumber)
    {
        var names = line.ToString().Split(',', StringSplitOptions.TrimEntries);
        for (var i = 0; i < names.Length; i++)
        {
            if (names[i].Length == 0)
                throw new TraceFormatException(file, lineNumber, $"header column {i + 1} has no name");
            for (var j = 0; j < i; j++)
            {
                if (string.Equals(names[i], names[j], StringComparison.OrdinalIgnoreCase))
                    throw new TraceFormatException(file, lineNumber, $"header names column '{names[i]}' twice");
            }
        }
        return new CsvHeader(names, file, lineNumber);
    }

    /// <summary>The index of a column the format needs.</summary>
    public int Require(string name)
    {
        var index = Find(name);
        if (index < 0)
            throw new TraceFormatException(_file, _line, $"header has no '{name}' column (found: {string.Join(",", _names)})");
        return index;
    }

    /// <summary>The index of a column the format may have, or -1.</summary>
    public int Find(string name)
    {
        for (var i = 0; i < _names.Length; i++)
        {
            if (string.Equals(_names[i], name, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return -1;
    }

    /// <summary>Splits a data row into exactly <see cref="FieldCount"/> trimmed fields, or throws naming the line.
    /// The returned ranges are valid until the next call.</summary>
    public ReadOnlySpan<Range> Split(ReadOnlySpan<char> row, int line)
    {
        var count = row.Split(_ranges, ',', StringSplitOptions.TrimEntries);
        if (count != _names.Length)
        {
            var found = count <= _names.Length ? count : row.Count(',') + 1;
            var what = found < _names.Length ? "too few" : "too many";
            throw new TraceFormatException(_file, line, $"{what} fields: expected {_names.Length} ({string.Join(",", _names)}), found {found}");
        }
        return _ranges.AsSpan(0, count);
    }
}
