using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Akka;
using Akka.Actor;
using Akka.IO;
using Akka.Streams.Dsl;
using Akka.Streams.IO;

namespace Scheduler.Runtime.Results;

/// <summary>How completed requests are written.</summary>
public enum ResultFormat
{
    /// <summary>A header, then one comma-separated row per request.</summary>
    Csv,

    /// <summary>One JSON object per line.</summary>
    JsonLines,
}

/// <summary>The completions of one step, sent by the balancer to the result stream (local only).</summary>
public sealed record RequestsCompleted(ImmutableArray<CompletedRequest> Requests) : INoSerializationVerificationNeeded;

/// <summary>Writers for <see cref="CompletedRequest"/>s.</summary>
public static class ResultSinks
{
    public const string CsvHeader =
        "request_id,source_id,rank,prompt_tokens,output_tokens,arrival_s,admitted_s,first_token_s,finished_s,finished_step";

    /// <summary>CSV unless the path ends in .jsonl, .ndjson or .json.</summary>
    public static ResultFormat FormatFor(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".jsonl" or ".ndjson" or ".json" ? ResultFormat.JsonLines : ResultFormat.Csv;

    public static string Format(CompletedRequest r, ResultFormat format)
    {
        var c = CultureInfo.InvariantCulture;
        return format switch
        {
            ResultFormat.Csv => string.Create(c,
                $"{r.RequestId},{r.SourceId},{r.Rank},{r.PromptTokens},{r.OutputTokens},{r.ArrivalSeconds:R},{r.AdmittedSeconds:R},{r.FirstTokenSeconds:R},{r.FinishedSeconds:R},{r.FinishedStep}"),
            ResultFormat.JsonLines => string.Create(c,
                $"{{\"request_id\":{r.RequestId},\"source_id\":{r.SourceId},\"rank\":{r.Rank},\"prompt_tokens\":{r.PromptTokens},\"output_tokens\":{r.OutputTokens},\"arrival_s\":{r.ArrivalSeconds:R},\"admitted_s\":{r.AdmittedSeconds:R},\"first_token_s\":{r.FirstTokenSeconds:R},\"finished_s\":{r.FinishedSeconds:R},\"finished_step\":{r.FinishedStep}}}"),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
        };
    }

    /// <summary>Lines of text for each completion (with the CSV header first).</summary>
    public static Flow<CompletedRequest, string, NotUsed> Lines(ResultFormat format)
    {
        var rows = Flow.Create<CompletedRequest>().Select(r => Format(r, format));
        return format == ResultFormat.Csv ? rows.Prepend(Source.Single(CsvHeader)) : rows;
    }

    /// <summary>A file sink: one line per completed request, written on Akka's blocking-IO dispatcher.</summary>
    public static Sink<CompletedRequest, Task<IOResult>> ToFile(string path, ResultFormat format) =>
        Lines(format)
            .Select(line => ByteString.FromString(line + "\n", Encoding.UTF8))
            .ToMaterialized(FileIO.ToFile(new FileInfo(path)), Keep.Right);

    /// <summary>
    /// The stream the balancer feeds: it sends <see cref="RequestsCompleted"/> per step and
    /// <see cref="Status.Success"/> at the end. The buffer is in steps; a writer that falls that far
    /// behind fails the stream rather than grow without bound.
    /// </summary>
    public static Source<RequestsCompleted, IActorRef> FromBalancer(int bufferSteps) =>
        Source.ActorRef<RequestsCompleted>(bufferSteps, Akka.Streams.OverflowStrategy.Fail);
}
