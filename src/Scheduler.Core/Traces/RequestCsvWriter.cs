using System.Globalization;
using Scheduler.Core.Model;

namespace Scheduler.Core.Traces;

/// <summary>
/// Writes a workload as request CSV, the format <see cref="RequestCsvReader"/> reads back unchanged:
/// sampled or rescaled workloads can be saved, shared and replayed exactly.
/// </summary>
public static class RequestCsvWriter
{
    /// <summary>Writes the header and one row per request; <c>arrival_s</c> only when some arrival is after 0,
    /// so backlogged workloads keep the fixtures' four columns.</summary>
    public static void Write(Workload workload, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(writer);
        var timed = false;
        for (var i = 0; i < workload.Count && !timed; i++) timed = workload[i].ArrivalSeconds > 0;

        // '\n' rather than WriteLine: the file is the same bytes on every platform.
        writer.Write(timed
            ? $"{RequestCsvReader.IdColumn},{RequestCsvReader.PromptColumn},{RequestCsvReader.OutputColumn},{RequestCsvReader.PredictedColumn},{RequestCsvReader.ArrivalColumn}\n"
            : $"{RequestCsvReader.IdColumn},{RequestCsvReader.PromptColumn},{RequestCsvReader.OutputColumn},{RequestCsvReader.PredictedColumn}\n");
        Span<char> buffer = stackalloc char[128];
        for (var i = 0; i < workload.Count; i++)
        {
            var r = workload[i];
            // "R" is the shortest text that parses back to the same double, so a round trip is exact.
            var ok = timed
                ? buffer.TryWrite(CultureInfo.InvariantCulture, $"{r.Id},{r.PromptTokens},{r.OutputTokens},{r.PredictedOutputTokens},{r.ArrivalSeconds:R}\n", out var written)
                : buffer.TryWrite(CultureInfo.InvariantCulture, $"{r.Id},{r.PromptTokens},{r.OutputTokens},{r.PredictedOutputTokens}\n", out written);
            if (!ok) throw new InvalidOperationException($"request {r.Id} does not fit the row buffer");
            writer.Write(buffer[..written]);
        }
    }

    /// <summary>Writes to a file (UTF-8, no byte-order mark), replacing it.</summary>
    public static void Write(Workload workload, string path)
    {
        using var writer = new StreamWriter(path, append: false);
        Write(workload, writer);
    }
}
