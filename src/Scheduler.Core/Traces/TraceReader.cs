using Scheduler.Core.Model;

namespace Scheduler.Core.Traces;

/// <summary>
/// The one entry point for loading requests from a file: picks the reader by the named format or, when
/// none is named, by the file's extension and (for CSV) its header.
/// </summary>
public static class TraceReader
{
    /// <summary>The names <see cref="Parse"/> accepts, in the order of <see cref="TraceFormat"/>.</summary>
    public static IReadOnlyList<string> FormatNames { get; } = ["azure", "reference-json", "mooncake", "requests"];

    public static Workload Read(string path, TraceFormat? format = null) =>
        (format ?? Detect(path)) switch
        {
            TraceFormat.AzureCsv => AzureCsvReader.Read(path),
            TraceFormat.ReferenceJson => ReferenceJsonReader.Read(path),
            TraceFormat.MooncakeJsonl => MooncakeJsonlReader.Read(path),
            TraceFormat.RequestCsv => RequestCsvReader.Read(path),
            var other => throw new TraceFormatException(path, 0, $"unknown format {other}"),
        };

    /// <summary>
    /// The format of <paramref name="path"/>: <c>.jsonl</c> Mooncake, <c>.json</c> reference JSON, <c>.csv</c> by its
    /// header (<c>ContextTokens</c> Azure, <c>prompt_tokens</c> request CSV). Anything else is an error, not a guess.
    /// </summary>
    public static TraceFormat Detect(string path)
    {
        // A missing file is the likelier mistake than its extension; say so first.
        if (!File.Exists(path))
            throw new TraceFormatException(path, 0, Directory.Exists(path) ? "is a directory, not a trace file" : "file not found");
        var extension = Path.GetExtension(path);
        if (extension.Equals(".jsonl", StringComparison.OrdinalIgnoreCase)) return TraceFormat.MooncakeJsonl;
        if (extension.Equals(".json", StringComparison.OrdinalIgnoreCase)) return TraceFormat.ReferenceJson;
        if (!extension.Equals(".csv", StringComparison.OrdinalIgnoreCase))
            throw new TraceFormatException(path, 0,
                $"unknown format: extension '{extension}' is not .csv, .json or .jsonl; name the format ({string.Join(", ", FormatNames)})");

        var (header, line) = FirstLine(path);
        if (header is null) throw new TraceFormatException(path, 0, "empty file: no header and no records");
        if (header.Contains(AzureCsvReader.PromptColumn, StringComparison.OrdinalIgnoreCase)) return TraceFormat.AzureCsv;
        if (header.Contains(RequestCsvReader.PromptColumn, StringComparison.OrdinalIgnoreCase)) return TraceFormat.RequestCsv;
        throw new TraceFormatException(path, line,
            $"unknown format: CSV header '{header}' has neither {AzureCsvReader.PromptColumn} (Azure trace) nor {RequestCsvReader.PromptColumn} (request CSV)");
    }

    /// <summary>Parses a format name as a user types it (case-insensitive): azure, reference-json, mooncake, requests.</summary>
    public static TraceFormat Parse(string name)
    {
        for (var i = 0; i < FormatNames.Count; i++)
        {
            if (string.Equals(name?.Trim(), FormatNames[i], StringComparison.OrdinalIgnoreCase)) return (TraceFormat)i;
        }
        throw new ArgumentException($"unknown trace format '{name}'; expected one of: {string.Join(", ", FormatNames)}");
    }

    /// <summary>The name <see cref="Parse"/> accepts for <paramref name="format"/>.</summary>
    public static string NameOf(TraceFormat format) =>
        (uint)format < (uint)FormatNames.Count
            ? FormatNames[(int)format]
            : throw new ArgumentOutOfRangeException(nameof(format), format, "not a trace format");

    /// <summary>The first non-blank line and its number, or null for an empty file; reads no further than that.</summary>
    private static (string? Text, int Line) FirstLine(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            var number = 0;
            while (reader.ReadLine() is { } line)
            {
                number++;
                if (!string.IsNullOrWhiteSpace(line)) return (line.Trim(), number);
            }
            return (null, 0);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TraceFormatException(path, 0, "file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TraceFormatException(path, 0, $"cannot read file: {e.Message}", e);
        }
    }
}
