using System.Globalization;
using Scheduler.Core.Model;

namespace Scheduler.Core.Traces;

/// <summary>
/// Reads the Azure LLM inference trace (<c>TIMESTAMP,ContextTokens,GeneratedTokens</c>, SPEC §5).
/// Arrival = seconds since the first record; the predictor is the oracle (ô = o) until one is applied.
/// </summary>
public static class AzureCsvReader
{
    public const string TimestampColumn = "TIMESTAMP";
    public const string PromptColumn = "ContextTokens";
    public const string OutputColumn = "GeneratedTokens";

    /// <summary>Fractional digits are optional ('F'), so whole-second stamps parse too.</summary>
    public const string TimestampFormat = "yyyy-MM-dd HH:mm:ss.FFFFFFF";

    public static Workload Read(string path) => Parse(TraceFile.ReadText(path), path);

    /// <summary>Parses trace text; <paramref name="file"/> names the source in errors and in the workload.</summary>
    public static Workload Parse(string text, string file)
    {
        var requests = new List<Request>(TraceFile.EstimateRows(text));
        CsvHeader? header = null;
        int timeCol = 0, promptCol = 0, outputCol = 0;
        long firstTicks = 0, previousTicks = 0;
        var line = 0;
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            line++;
            var row = raw.Trim();
            // Blank lines carry no record (a trailing newline makes one); everything else is a record or an error.
            if (row.IsEmpty) continue;
            if (header is null)
            {
                header = CsvHeader.Parse(row, file, line);
                timeCol = header.Require(TimestampColumn);
                promptCol = header.Require(PromptColumn);
                outputCol = header.Require(OutputColumn);
                continue;
            }

            var fields = header.Split(row, line);
            var stamp = row[fields[timeCol]];
            if (!DateTime.TryParseExact(stamp, TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
                throw new TraceFormatException(file, line, $"{TimestampColumn} '{stamp.ToString()}' is not a timestamp like 2023-11-16 18:15:46.6805900");
            var prompt = TraceFields.ParseInt(row[fields[promptCol]], PromptColumn, file, line);
            var output = TraceFields.ParseInt(row[fields[outputCol]], OutputColumn, file, line);
            TraceFields.RequirePositive(prompt, PromptColumn, file, line);
            TraceFields.RequirePositive(output, OutputColumn, file, line);

            var ticks = time.Ticks;
            if (requests.Count == 0) firstTicks = previousTicks = ticks;
            if (ticks < previousTicks)
                throw new TraceFormatException(file, line,
                    $"{TimestampColumn} {stamp.ToString()} is earlier than the previous record's {new DateTime(previousTicks).ToString("yyyy-MM-dd HH:mm:ss.fffffff", CultureInfo.InvariantCulture)}; timestamps must not decrease");
            previousTicks = ticks;

            var arrival = (ticks - firstTicks) / (double)TimeSpan.TicksPerSecond;
            requests.Add(new Request(requests.Count, prompt, output, output, arrival));
        }

        if (header is null) throw new TraceFormatException(file, 0, "empty file: no header and no records");
        if (requests.Count == 0) throw new TraceFormatException(file, 0, "no records after the header");
        return new Workload(requests, file);
    }
}
