using System.Collections.Immutable;
using Scheduler.Core.Model;

namespace Scheduler.Runtime.Messages;

// The ingestion protocol: the stream's Sink.ActorRefWithAck talks to the balancer with these; one element
// in flight, acknowledged only while the balancer has room, so the stream, not a mailbox, holds the backlog.

/// <summary>One request as ingested: <see cref="Request"/> carries the dense run id (0, 1, 2, … in order);
/// <see cref="SourceId"/> is the id the input gave it and <see cref="Position"/> where it stood (line number).</summary>
public readonly record struct IngestedRequest(Request Request, long SourceId, long Position);

/// <summary>The stream is about to send requests.</summary>
public sealed record IngestionStarted : ISchedulerMessage
{
    public static readonly IngestionStarted Instance = new();
}

/// <summary>The balancer has room for the next batch.</summary>
public sealed record IngestionAck : ISchedulerMessage
{
    public static readonly IngestionAck Instance = new();
}

/// <summary>Requests in id order (a batch forms only while the balancer holds back its ack).</summary>
public sealed record IngestedBatch(ImmutableArray<IngestedRequest> Requests) : ISchedulerMessage;

/// <summary>The input ended normally: no request follows.</summary>
public sealed record IngestionCompleted : ISchedulerMessage
{
    public static readonly IngestionCompleted Instance = new();
}

/// <summary>The input stream failed; the run cannot know which requests it would have held.</summary>
public sealed record IngestionFailed(string Reason) : ISchedulerMessage;
