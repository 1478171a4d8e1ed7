using Akka;
using Akka.Streams.Dsl;

namespace Scheduler.Runtime.Ingestion.Sources;

/// <summary><c>stdin</c> (or any stream: tests pass a pipe): JSON lines or a request CSV; positions <c>stdin:line</c>.
/// Reads on Akka's blocking-IO dispatcher, so a quiet pipe holds no actor thread.</summary>
public sealed class StdinRequestSource(Func<Stream>? open = null, int maxLineBytes = LineFraming.DefaultMaxLineBytes) : IRequestSource
{
    public string Name => "stdin";
    public bool Redelivers => false;
    public RecordFraming Framing => RecordFraming.Lines;

    // Small chunks: a line typed or piped in reaches the service at once rather than when 64 KiB have gathered.
    public Source<Delivery, NotUsed> Open() =>
        TextStreamSource.Deliveries(StreamConverters.FromInputStream(open ?? Console.OpenStandardInput, chunkSize: 4096), "stdin", maxLineBytes);
}
