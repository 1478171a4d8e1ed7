using System.Collections.Immutable;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Results;

namespace Scheduler.Runtime.Messages;

// The ingestion protocol between an ingress (which owns a source, its deliveries' acknowledgements and the result
// sinks) and the balancer (which owns the waiting pool and the cluster). One batch travels at a time: the balancer
// acknowledges it when it has room, so the backlog stays in the source, not in a mailbox.

/// <summary>One accepted request: <see cref="DeliveryTag"/> names its delivery at the ingress that sent it,
/// <see cref="Position"/> where it stood in its source.</summary>
public readonly record struct IngestedRequest(ServiceRequest Request, long DeliveryTag, string Position);

/// <summary>Requests in the order their source delivered them.</summary>
public sealed record IngestedBatch(ImmutableArray<IngestedRequest> Requests) : ISchedulerMessage;

/// <summary>The balancer took the last batch and has room for the next.</summary>
public sealed record IngestedBatchAck : ISchedulerMessage
{
    public static readonly IngestedBatchAck Instance = new();
}

/// <summary>The source ended normally and every dead letter is written: no request follows from this ingress.</summary>
public sealed record IngestionCompleted : ISchedulerMessage
{
    public static readonly IngestionCompleted Instance = new();
}

/// <summary>The source failed; requests already forwarded go on.</summary>
public sealed record IngestionFailed(string Reason) : ISchedulerMessage;

/// <summary>A request's result, with what the ingress needs to acknowledge it: its deliveries (the first, and any
/// redelivery of the same id that attached to it) and the slot and serial the balancer releases once it is written.</summary>
public sealed record FinishedRequest(RequestResult Result, ImmutableArray<long> DeliveryTags, int Slot, long Serial);

/// <summary>Write these results, then acknowledge their deliveries and answer <see cref="ResultsWritten"/>.</summary>
public sealed record RequestsFinished(ImmutableArray<FinishedRequest> Requests) : ISchedulerMessage;

/// <summary>A request whose result is written, by slot and serial (the balancer checks both before releasing the slot).</summary>
public readonly record struct WrittenResult(int Slot, long Serial);

/// <summary>These results are durable and their deliveries acknowledged.</summary>
public sealed record ResultsWritten(ImmutableArray<WrittenResult> Results) : ISchedulerMessage;

/// <summary>Redeliveries that arrived after their request's result went out: acknowledge them (the result is written).</summary>
public sealed record AcknowledgeDeliveries(ImmutableArray<long> DeliveryTags) : ISchedulerMessage;

/// <summary>A request the service could not finish before it stopped.</summary>
public readonly record struct UnfinishedRequest(string Id, ImmutableArray<long> DeliveryTags, int OutputTokens);

/// <summary>
/// The service stops with these unfinished: give them back to a source that redelivers, else report each
/// <c>failed</c> with reason <c>shutdown</c>. Answered with <see cref="RequestsReturned"/> once done.
/// </summary>
public sealed record ReturnRequests(ImmutableArray<UnfinishedRequest> Requests) : ISchedulerMessage;

/// <summary>Every request of a <see cref="ReturnRequests"/> was given back or reported.</summary>
public sealed record RequestsReturned(int Count) : ISchedulerMessage;

/// <summary>An ingress's heartbeat to the balancer (through the singleton proxy in a cluster), answered with
/// <see cref="BalancerHello"/>: how an ingress learns that a new balancer incarnation took over.</summary>
public sealed record IngressHello : ISchedulerMessage
{
    public static readonly IngressHello Instance = new();
}

/// <summary>The balancer's answer to <see cref="IngressHello"/>: its epoch (when its incarnation started). An ingress that
/// sees a new epoch sends that balancer every request it holds without a result again: the old one took them with it.</summary>
public sealed record BalancerHello(long Epoch) : ISchedulerMessage;
