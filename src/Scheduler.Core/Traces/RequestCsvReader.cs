using System.Globalization;
using Scheduler.Core.Model;

namespace Scheduler.Core.Traces;

/// <summary>
/// Reads the project's request CSV (<c>id,prompt_tokens,output_tokens,predicted_output_tokens[,arrival_s]</c>),
/// the format of the reference fixtures and of <see cref="RequestCsvWriter"/>.
/// </summary>
public static class RequestCsvReader
{
    public const string IdColumn = "id";
    public const string PromptColumn = "prompt_tokens";
    public const string OutputColumn = "output_tokens";
    public const string PredictedColumn = "predicted_output_tokens";
    public const string ArrivalColumn = "arrival_s";

    public static Workload Read(string path) => Parse(TraceFile.ReadText(path), path);

    /// <summary>Parses request CSV text; <paramref name="file"/> names the source in errors and in the workload.</summary>
    public static Workload Parse(string text, string file)
    {
        var requests = new List<Request>(TraceFile.EstimateRows(text));
        CsvHeader? header = null;
        int idCol = 0, promptCol = 0, outputCol = 0, predictedCol = 0, arrivalCol = -1;
        var previousArrival = 0.0;
        var line = 0;
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            line++;
            var row = raw.Trim();
            if (row.IsEmpty) continue;
            if (header is null)
            {
                header = CsvHeader.Parse(row, file, line);
                idCol = header.Require(IdColumn);
                promptCol = header.Require(PromptColumn);
                outputCol = header.Require(OutputColumn);
                predictedCol = header.Require(PredictedColumn);
                arrivalCol = header.Find(ArrivalColumn);
                continue;
            }

            var fields = header.Split(row, line);
            var id = TraceFields.ParseInt(row[fields[idCol]], IdColumn, file, line);
            // Ids are the reveal order the simulator and the fixtures' assignments refer to: a gap or a swap
            // would silently re-map every admission, so it is an error rather than a renumbering.
            if (id != requests.Count)
                throw new TraceFormatException(file, line, $"{IdColumn} {id} is out of order: expected {requests.Count} (ids must be 0..N-1 in file order)");
            var prompt = TraceFields.ParseInt(row[fields[promptCol]], PromptColumn, file, line);
            var output = TraceFields.ParseInt(row[fields[outputCol]], OutputColumn, file, line);
            var predicted = TraceFields.ParseInt(row[fields[predictedCol]], PredictedColumn, file, line);
            TraceFields.RequirePositive(prompt, PromptColumn, file, line);
            TraceFields.RequirePositive(output, OutputColumn, file, line);
            // ô = 0 is a legal (if poor) prediction; only a negative one is nonsense.
            TraceFields.RequireNonNegative(predicted, PredictedColumn, file, line);

            var arrival = 0.0;
            if (arrivalCol >= 0)
            {
                var arrivalText = row[fields[arrivalCol]];
                arrival = TraceFields.ParseSeconds(arrivalText, ArrivalColumn, file, line);
                if (arrival < 0)
                    throw new TraceFormatException(file, line, $"{ArrivalColumn} {arrivalText.ToString()} must not be negative");
                if (arrival < previousArrival)
                    throw new TraceFormatException(file, line, $"{ArrivalColumn} {arrivalText.ToString()} is earlier than the previous record's {previousArrival.ToString("R", CultureInfo.InvariantCulture)}; arrivals must not decrease");
                previousArrival = arrival;
            }
            requests.Add(new Request(id, prompt, output, predicted, arrival));
        }

        if (header is null) throw new TraceFormatException(file, 0, "empty file: no header and no records");
        if (requests.Count == 0) throw new TraceFormatException(file, 0, "no records after the header");
        return new Workload(requests, file);
    }
}
