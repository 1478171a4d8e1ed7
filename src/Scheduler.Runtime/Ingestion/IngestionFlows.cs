using System.Collections.Immutable;
using Akka;
using Akka.Actor;
using Akka.Streams.Dsl;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Ingestion;

/// <summary>The stages between a source and the balancer.</summary>
public static class IngestionFlows
{
    /// <summary>
    /// Parse and validate raw record lines in the stream: accepted records go on as requests with dense ids,
    /// malformed ones are diverted to <paramref name="deadLetters"/> with their reason and line number, and
    /// the stream goes on.
    /// </summary>
    public static Flow<string, IngestedRequest, NotUsed> ParseRecords(string source, Sink<DeadLetterRecord, NotUsed> deadLetters)
    {
        var rejected = Flow.Create<ParsedRecord>()
            .Select(r => ((ParsedRecord.Rejected)r).DeadLetter)
            .To(deadLetters);
        return Flow.Create<string>()
            .ZipWithIndex()
            .StatefulSelectMany(() =>
            {
                var parser = new RequestRecordParser(source);
                return new Func<(string, long), IEnumerable<ParsedRecord>>(
                    line => parser.Parse(line.Item1, line.Item2 + 1) is { } parsed ? [parsed] : []);
            })
            .DivertTo(rejected, r => r is ParsedRecord.Rejected)
            .Select(r => ((ParsedRecord.Accepted)r).Request);
    }

    /// <summary>
    /// Into the balancer with backpressure: one batch in flight, acknowledged by the balancer only while it
    /// has room, so at most <paramref name="maxBatch"/> requests wait in the stream and none in a mailbox.
    /// Requests batch up only while the balancer withholds its ack. The stream's end or failure is sent too.
    /// </summary>
    public static Sink<IngestedRequest, NotUsed> IntoBalancer(IActorRef balancer, int maxBatch)
    {
        if (maxBatch <= 0) throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch, "batch size must be positive");
        return Flow.Create<IngestedRequest>()
            .Batch(maxBatch, first => ImmutableArray.CreateBuilder<IngestedRequest>().Append(first), (batch, next) => batch.Append(next))
            .Select(batch => new IngestedBatch(batch.ToImmutable()))
            .To(Sink.ActorRefWithAck<IngestedBatch>(
                balancer,
                IngestionStarted.Instance,
                IngestionAck.Instance,
                IngestionCompleted.Instance,
                ex => new IngestionFailed(ex.Message)));
    }

    private static ImmutableArray<IngestedRequest>.Builder Append(this ImmutableArray<IngestedRequest>.Builder builder, IngestedRequest item)
    {
        builder.Add(item);
        return builder;
    }
}
