using Akka;
using Akka.Streams.Dsl;

namespace Scheduler.Runtime.Ingestion;

/// <summary>How a source's records are told apart and parsed.</summary>
public enum RecordFraming
{
    /// <summary>A text stream, one record per line: JSON lines or a request CSV with a header (<see cref="RequestLineParser"/>).</summary>
    Lines,

    /// <summary>Independent messages, each one JSON request object (<see cref="RequestJson"/>): broker sources.</summary>
    Messages,
}

/// <summary>
/// Where requests come from: stdin, a file, a generator, or (issue 7) a message broker. A source only delivers;
/// the ingress parses, dead-letters, forwards and acknowledges. Implementations must deliver in order and may
/// deliver forever.
/// </summary>
public interface IRequestSource
{
    /// <summary>The source as a user named it (its URI, without credentials).</summary>
    string Name { get; }

    /// <summary>Whether a delivery given back, or never acknowledged, comes again (brokers). When it does not
    /// (files, stdin), requests still unfinished when the service stops are reported <c>failed</c>, reason <c>shutdown</c>.</summary>
    bool Redelivers { get; }

    RecordFraming Framing { get; }

    /// <summary>Where this source's malformed records go when the user names no <c>--dead-letters</c>: a broker's
    /// dead-letter queue beside the source (<c>QUEUE.dlq</c>). Null: the results destination, as rejected records.</summary>
    Results.IResultSink? OpenDeadLetters() => null;

    /// <summary>The deliveries, in order; the stream ends when the source does (never, for a broker).</summary>
    Source<Delivery, NotUsed> Open();
}
