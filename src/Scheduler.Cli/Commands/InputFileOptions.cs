using System.CommandLine;
using Scheduler.Cli.CommandLine;
using Scheduler.Core.Traces;

namespace Scheduler.Cli.Commands;

/// <summary><c>--requests FILE | --trace FILE [--trace-format NAME]</c>: where requests come from.</summary>
public sealed class InputFileOptions(string requestsNote = "") : IOptionGroup
{
    public Option<string> Requests { get; } = CliOption.Text("--requests",
        "request CSV with columns id, prompt_tokens, output_tokens, predicted_output_tokens[, arrival_s]" + requestsNote, helpName: "FILE");

    public Option<string> Trace { get; } = CliOption.Text("--trace",
        "a trace: Azure CSV, reference JSON, Mooncake JSONL or request CSV (format detected), or a generated shape " +
        "synthetic:shape=NAME[;count=N;seed=S;rate=R] (see scheduler workload --help)", helpName: "FILE");

    public Option<Choice<TraceFormat>?> TraceFormat { get; } = CliOption.OptionalChoice("--trace-format",
        "force the trace format instead of detecting it", "NAME",
        TraceReader.FormatNames.Select((name, i) => (name, (TraceFormat)i)).ToArray());

    public IEnumerable<Option> Options => [Requests, Trace, TraceFormat];

    /// <summary>The named files, at most one of them; a format names a trace's (or the default input's), never a request CSV's.</summary>
    public (string? Requests, string? Trace, TraceFormat? Format) Read(ParseResult parse)
    {
        var requests = parse.GetValue(Requests);
        var trace = parse.GetValue(Trace);
        var format = parse.GetValue(TraceFormat)?.Value;
        if (requests is not null && trace is not null) throw new UsageException("give either --requests or --trace, not both");
        if (format is not null && requests is not null) throw new UsageException("--trace-format applies to --trace only");
        return (requests, trace, format);
    }
}
