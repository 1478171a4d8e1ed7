using System.Collections.Immutable;
using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Observability;
using Scheduler.Runtime.Results;
using DeadLetter = Scheduler.Runtime.Ingestion.DeadLetter;

namespace Scheduler.Runtime.Actors;

/// <summary>Stop taking requests from the source (a drain); what was delivered goes on.</summary>
public sealed record StopIngestion : INoSerializationVerificationNeeded
{
    public static readonly StopIngestion Instance = new();
}

/// <summary>Ask an ingress how it stands.</summary>
public sealed record GetIngressStatus : INoSerializationVerificationNeeded
{
    public static readonly GetIngressStatus Instance = new();
}

/// <summary>An ingress's counters: deliveries not yet acknowledged, requests forwarded, records rejected, whether its source has ended.</summary>
public sealed record IngressStatus(int Unacknowledged, long Accepted, long Rejected, bool SourceEnded) : INoSerializationVerificationNeeded;

/// <summary>An ingress could not go on (its results sink failed); the service must stop.</summary>
public sealed record IngressFault(string Reason) : INoSerializationVerificationNeeded;

/// <summary>
/// One source's way into the service: an Akka.Streams graph parses the source's deliveries (malformed ones become
/// dead letters with their reason and position), the ingress forwards accepted requests to the balancer one batch
/// at a time, writes the results the balancer sends back, and acknowledges each delivery to its source only once
/// its result (or dead letter) is written. Deliveries not yet acknowledged are bounded
/// (<see cref="IngressSettings.MaxUnacknowledged"/>): at the bound the ingress stops pulling and the backlog stays
/// in the source. The delivery handles never leave this actor, so a broker's channel stays on the node that consumes.
/// </summary>
public sealed class IngressActor : UntypedActor, IWithTimers
{
    private readonly IRequestSource _source;
    private readonly IActorRef _balancer;
    private readonly IActorRef _results;
    private readonly IActorRef _deadLetters;
    private readonly ResultFormat _resultFormat;
    private readonly bool _deadLettersInResults;
    private readonly IngressSettings _settings;
    private readonly IActorRef _faults;
    private readonly IServiceObserver _observer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<long, IDeliveryAcknowledgement> _unacknowledged = new();
    private readonly List<IngestedRequest> _outgoing = new();
    // Every accepted request until its result is written, by tag: what a new balancer incarnation must be given again.
    private readonly SortedDictionary<long, IngestedRequest> _inService = new();
    private long _balancerEpoch;
    private long _nextTag;
    private long _accepted;
    private long _rejected;
    private int _deadLettersPending;
    private bool _awaitingBalancer;
    private IActorRef? _streamAwaitingAck;
    private bool _sourceEnded;
    private bool _completionSent;
    private IKillSwitch? _stream;

    /// <param name="deadLettersInResults">Dead letters go to the results sink (as <c>"status": "rejected"</c> records) rather than a destination of their own.</param>
    /// <param name="faults">Told <see cref="IngressFault"/> when a sink fails.</param>
    public IngressActor(IRequestSource source, IActorRef balancer, IActorRef results, IActorRef deadLetters, ResultFormat resultFormat,
        bool deadLettersInResults, IngressSettings settings, IActorRef faults, IServiceObserver? observer = null)
    {
        _observer = observer ?? NullServiceObserver.Instance;
        _source = source;
        _balancer = balancer;
        _results = results;
        _deadLetters = deadLetters;
        _resultFormat = resultFormat;
        _deadLettersInResults = deadLettersInResults;
        _settings = settings;
        _faults = faults;
    }

    public static Props Props(IRequestSource source, IActorRef balancer, IActorRef results, IActorRef deadLetters, ResultFormat resultFormat,
        bool deadLettersInResults, IngressSettings settings, IActorRef faults, IServiceObserver? observer = null) =>
        Akka.Actor.Props.Create(() => new IngressActor(source, balancer, results, deadLetters, resultFormat, deadLettersInResults, settings, faults, observer));

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        if (_settings.BalancerHeartbeat is { } every)
        {
            _balancer.Tell(IngressHello.Instance);
            Timers.StartPeriodicTimer(HeartbeatKey, Heartbeat.Instance, every);
        }
        var materializer = Context.Materializer(namePrefix: "ingress");
        _stream = _source.Open()
            .ViaMaterialized(KillSwitches.Single<Delivery>(), Keep.Right)
            .Via(DeliveryParsing.Parse(_source.Framing, _settings.RequireOrderedArrivals))
            .Batch(_settings.MaxBatch, first => ImmutableArray.CreateBuilder<ParsedDelivery>().With(first), (batch, next) => batch.With(next))
            .Select(batch => new DeliveryBatch(batch.ToImmutable()))
            // The sink's input buffer is one batch: what the stream holds beyond the unacknowledged bound stays small
            // (the batch being formed and the one waiting here), the rest stays in the source.
            .To(Sink.ActorRefWithAck<DeliveryBatch>(Self, StreamStarted.Instance, StreamAck.Instance, StreamCompleted.Instance,
                ex => new StreamFailed(ex)).WithAttributes(Attributes.CreateInputBuffer(1, 1)))
            .Run(materializer);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StreamStarted:
                Sender.Tell(StreamAck.Instance);
                break;

            case DeliveryBatch batch:
                Take(batch);
                _streamAwaitingAck = Sender;
                SendToBalancer();
                AckStreamIfRoom();
                break;

            case IngestedBatchAck:
                _awaitingBalancer = false;
                SendToBalancer();
                AckStreamIfRoom();
                CompleteIfDone();
                break;

            case StreamCompleted:
                _sourceEnded = true;
                CompleteIfDone();
                break;

            case StreamFailed failed:
                // The service finishes what it holds; nothing more comes from this source.
                _log.Error(failed.Error, "the source {0} failed: {1}", _source.Name, failed.Error.Message);
                _sourceEnded = true;
                _balancer.Tell(new IngestionFailed($"{_source.Name}: {failed.Error.Message}"));
                CompleteIfDone();
                break;

            case RequestsFinished finished:
                var lines = ImmutableArray.CreateBuilder<string>(finished.Requests.Length);
                foreach (var r in finished.Requests) lines.Add(ResultLines.Format(r.Result, _resultFormat));
                _results.Tell(new WriteLines(lines.MoveToImmutable(), finished));
                break;

            case LinesWritten { Token: RequestsFinished written }:
                var done = ImmutableArray.CreateBuilder<WrittenResult>(written.Requests.Length);
                foreach (var r in written.Requests)
                {
                    foreach (var tag in r.DeliveryTags) Acknowledge(tag);
                    done.Add(new WrittenResult(r.Slot, r.Serial));
                    Observe(r.Result);
                }
                _balancer.Tell(new ResultsWritten(done.MoveToImmutable()));
                AckStreamIfRoom();
                break;

            case LinesWritten { Token: DeadLettersWritten deadLetters }:
                foreach (var tag in deadLetters.Tags) Acknowledge(tag);
                _deadLettersPending -= deadLetters.Tags.Length;
                AckStreamIfRoom();
                CompleteIfDone();
                break;

            case LinesWritten { Token: ShutdownReported reported }:
                foreach (var tag in reported.Tags) Acknowledge(tag);
                for (var i = 0; i < reported.Count; i++) _observer.RequestFailed("shutdown");
                reported.ReplyTo.Tell(new RequestsReturned(reported.Count));
                break;

            case AcknowledgeDeliveries acknowledge:
                foreach (var tag in acknowledge.DeliveryTags) Acknowledge(tag);
                AckStreamIfRoom();
                break;

            case ReturnRequests returned:
                Return(returned);
                break;

            case Heartbeat:
                _balancer.Tell(IngressHello.Instance);
                break;

            case BalancerHello hello:
                OnBalancerHello(hello.Epoch);
                break;

            case StopIngestion:
                _stream?.Shutdown();
                break;

            case GetIngressStatus:
                Sender.Tell(new IngressStatus(_unacknowledged.Count, _accepted, _rejected, _sourceEnded));
                break;

            case SinkFailed failed:
                _log.Error("results sink {0} failed: {1}", failed.Sink, failed.Reason);
                _stream?.Shutdown();
                _faults.Tell(new IngressFault($"writing to {failed.Sink} failed: {failed.Reason}"));
                break;

            default:
                Unhandled(message);
                break;
        }
    }

    private void Take(DeliveryBatch batch)
    {
        List<string>? deadLetterLines = null;
        List<long>? deadLetterTags = null;
        foreach (var item in batch.Items)
        {
            var tag = _nextTag++;
            switch (item.Record)
            {
                case ParsedRecord.Accepted accepted:
                    _unacknowledged[tag] = item.Delivery.Acknowledgement;
                    var ingested = new IngestedRequest(accepted.Request, tag, item.Delivery.Position);
                    _outgoing.Add(ingested);
                    if (_settings.BalancerHeartbeat is not null) _inService[tag] = ingested;
                    _accepted++;
                    break;
                case ParsedRecord.Rejected rejected:
                    _unacknowledged[tag] = item.Delivery.Acknowledgement;
                    var deadLetter = new DeadLetter(rejected.Reason, item.Delivery.Position, item.Delivery.Text);
                    (deadLetterLines ??= []).Add(_deadLettersInResults ? ResultLines.Format(deadLetter, _resultFormat) : ResultLines.FormatDeadLetter(deadLetter));
                    (deadLetterTags ??= []).Add(tag);
                    _rejected++;
                    break;
                default:
                    // A header or a blank line: not a record, nothing to report.
                    Fire(item.Delivery.Acknowledgement.AcknowledgeAsync());
                    break;
            }
        }
        _observer.Unacknowledged(_unacknowledged.Count);
        if (deadLetterLines is null) return;
        _observer.RequestsRejected(deadLetterLines.Count);
        _deadLettersPending += deadLetterTags!.Count;
        _deadLetters.Tell(new WriteLines([.. deadLetterLines], new DeadLettersWritten([.. deadLetterTags])));
    }

    private void SendToBalancer()
    {
        if (_awaitingBalancer || _outgoing.Count == 0) return;
        var count = Math.Min(_outgoing.Count, _settings.MaxBatch);
        var batch = ImmutableArray.CreateRange(_outgoing.GetRange(0, count));
        _outgoing.RemoveRange(0, count);
        _balancer.Tell(new IngestedBatch(batch));
        _awaitingBalancer = true;
    }

    /// <summary>Pull the next deliveries only while the balancer keeps up and the unacknowledged stay under the bound.</summary>
    private void AckStreamIfRoom()
    {
        _observer.Unacknowledged(_unacknowledged.Count);
        if (_streamAwaitingAck is null || _outgoing.Count >= _settings.MaxBatch || _unacknowledged.Count >= _settings.MaxUnacknowledged) return;
        _streamAwaitingAck.Tell(StreamAck.Instance);
        _streamAwaitingAck = null;
    }

    private void CompleteIfDone()
    {
        if (_completionSent || !_sourceEnded || _outgoing.Count > 0 || _awaitingBalancer || _deadLettersPending > 0) return;
        _completionSent = true;
        _balancer.Tell(IngestionCompleted.Instance);
    }

    /// <summary>
    /// The balancer's epoch. A new one means the balancer's node was lost and its singleton started again elsewhere,
    /// empty: every request this ingress holds without a result (sent to the lost one, or not sent yet) goes to the new
    /// one, oldest first. Results the old one sent before it died are written as usual; a request whose result was
    /// written meanwhile was acknowledged and is not sent again. A request may so run twice, never zero times.
    /// </summary>
    private void OnBalancerHello(long epoch)
    {
        if (epoch == _balancerEpoch) return;
        var previous = _balancerEpoch;
        _balancerEpoch = epoch;
        if (previous == 0) return;
        _log.Warning("a new balancer (epoch {0}, was {1}) took over: sending it the {2} request(s) this ingress holds without a result",
            epoch, previous, _inService.Count);
        _outgoing.Clear();
        _outgoing.AddRange(_inService.Values);
        _awaitingBalancer = false;
        _completionSent = false;
        SendToBalancer();
        CompleteIfDone();
    }

    private void Return(ReturnRequests returned)
    {
        if (_source.Redelivers)
        {
            foreach (var r in returned.Requests)
                foreach (var tag in r.DeliveryTags)
                {
                    _inService.Remove(tag);
                    if (_unacknowledged.Remove(tag, out var ack)) Fire(ack.GiveBackAsync());
                }
            Sender.Tell(new RequestsReturned(returned.Requests.Length));
            return;
        }
        // A file or stdin cannot take a request back: its one result says the service stopped first.
        var lines = ImmutableArray.CreateBuilder<string>(returned.Requests.Length);
        var tags = ImmutableArray.CreateBuilder<long>();
        foreach (var r in returned.Requests)
        {
            lines.Add(ResultLines.Format(RequestResult.Failure(r.Id, "shutdown", r.OutputTokens), _resultFormat));
            tags.AddRange(r.DeliveryTags);
        }
        _results.Tell(new WriteLines(lines.MoveToImmutable(), new ShutdownReported(tags.ToImmutable(), returned.Requests.Length, Sender)));
    }

    /// <summary>A result is out: counted here, off the balancer's thread, once it is written.</summary>
    private void Observe(RequestResult result)
    {
        if (result.Status == ResultStatus.Completed)
            _observer.RequestCompleted(result.QueuedSeconds ?? double.NaN, result.TtftSeconds ?? double.NaN, result.E2eSeconds ?? double.NaN, result.OutputTokens);
        else
            _observer.RequestFailed(FailureKind(result.Reason));
    }

    /// <summary>The metric label of a failure: its kind, not its text (which names numbers).</summary>
    private static string FailureKind(string? reason) =>
        reason is null ? "unknown" : reason == "shutdown" ? "shutdown" : reason.Contains("context", StringComparison.Ordinal) ? "context" : "other";

    private void Acknowledge(long tag)
    {
        _inService.Remove(tag);
        if (_unacknowledged.Remove(tag, out var ack)) Fire(ack.AcknowledgeAsync());
    }

    /// <summary>Acknowledgements are fire-and-forget for the actor; a broker's failure to take one is logged (the broker redelivers).</summary>
    private void Fire(ValueTask pending)
    {
        if (pending.IsCompletedSuccessfully) return;
        var log = _log;
        pending.AsTask().ContinueWith(t => log.Warning("acknowledging a delivery failed: {0}", t.Exception?.GetBaseException().Message),
            TaskContinuationOptions.OnlyOnFaulted);
    }

    protected override void PostStop() => _stream?.Shutdown();

    private const string HeartbeatKey = "balancer-heartbeat";

    private sealed record Heartbeat : INoSerializationVerificationNeeded
    {
        public static readonly Heartbeat Instance = new();
    }

    private sealed record DeadLettersWritten(ImmutableArray<long> Tags) : INoSerializationVerificationNeeded;

    private sealed record ShutdownReported(ImmutableArray<long> Tags, int Count, IActorRef ReplyTo) : INoSerializationVerificationNeeded;

    private sealed record DeliveryBatch(ImmutableArray<ParsedDelivery> Items) : INoSerializationVerificationNeeded;

    private sealed record StreamStarted : INoSerializationVerificationNeeded
    {
        public static readonly StreamStarted Instance = new();
    }

    private sealed record StreamAck : INoSerializationVerificationNeeded
    {
        public static readonly StreamAck Instance = new();
    }

    private sealed record StreamCompleted : INoSerializationVerificationNeeded
    {
        public static readonly StreamCompleted Instance = new();
    }

    private sealed record StreamFailed(Exception Error) : INoSerializationVerificationNeeded;
}

internal static class BuilderExtensions
{
    public static ImmutableArray<T>.Builder With<T>(this ImmutableArray<T>.Builder builder, T item)
    {
        builder.Add(item);
        return builder;
    }
}
