using Akka;
using Akka.Streams.Dsl;

namespace Scheduler.Runtime.Ingestion.Sources;

/// <summary>Lines already in memory (tests, small inputs), numbered from 1; positions <c>name:line</c>.</summary>
public sealed class LinesRequestSource(IEnumerable<string> lines, string name = "lines") : IRequestSource
{
    public string Name => name;
    public bool Redelivers => false;
    public RecordFraming Framing => RecordFraming.Lines;

    public Source<Delivery, NotUsed> Open() =>
        Source.From(lines.Select((text, i) => new Delivery(text, $"{name}:{i + 1}", NoAcknowledgement.Instance)));
}
