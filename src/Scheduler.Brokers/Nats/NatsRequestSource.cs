using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Akka;
using Akka.Streams.Dsl;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Observability;
using Scheduler.Runtime.Results;

namespace Scheduler.Brokers.Nats;

/// <summary>
/// <c>nats://HOST:PORT/SUBJECT[?consumer=NAME]</c>: a durable pull consumer (default name <c>scheduler</c>) with explicit
/// acknowledgements on the JetStream stream that captures SUBJECT (created if none does). MaxAckPending is the
/// service's unacknowledged bound, so the backlog stays on the server. Every delivery still in the service gets an
/// in-progress acknowledgement every third of AckWait, so a request that decodes longer than AckWait is not
/// redelivered; a dead service's deliveries are redelivered after AckWait and attach to nothing.
/// </summary>
public sealed class NatsRequestSource : IRequestSource
{
    private readonly NatsConnector _connector;
    private readonly BrokerContext _context;
    private readonly string _consumer;

    internal NatsRequestSource(BrokerAddress address, BrokerContext context)
    {
        _connector = new NatsConnector(address.RequireKnownKeys("consumer"), context.Settings.Nats);
        _context = context;
        _consumer = address.Get("consumer", "scheduler");
        if (_consumer.Length == 0 || _consumer.IndexOfAny(['.', '*', '>', ' ']) >= 0)
            throw new ArgumentException($"{address.Display}: consumer name '{_consumer}' may not be empty or hold '.', '*', '>' or spaces");
    }

    public string Name => _connector.Address.Display;
    public bool Redelivers => true;
    public RecordFraming Framing => RecordFraming.Messages;

    /// <summary>Malformed messages go to <c>SUBJECT.dlq</c> on the same server.</summary>
    public IResultSink OpenDeadLetters() => new NatsResultSink(_connector.Address.WithName(_connector.Address.Name + ".dlq"), _context);

    public Source<Delivery, NotUsed> Open() => Source.From<Delivery>(() => Deliveries());

    private async IAsyncEnumerable<Delivery> Deliveries([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var subject = _connector.Address.Name;
        await using var nats = _connector.Connect("consumer");
        // A reconnect is an opening after a loss, not any opening but the first: whether the client's first opening
        // raised its event before this handler was attached is a race, and reading it as the first would swallow the
        // first reconnect.
        var lost = 0;
        nats.ConnectionDisconnected += (_, _) =>
        {
            Volatile.Write(ref lost, 1);
            _context.Events.Count(Name, EndpointEvent.ConnectionLost);
            _context.Log($"{Name}: connection lost; the client reconnects");
            return ValueTask.CompletedTask;
        };
        // The server forgets pull requests when it restarts: after a reconnect the consumption starts over at once
        // rather than when the client's heartbeat check notices the silence.
        CancellationTokenSource? round = null;
        nats.ConnectionOpened += (_, _) =>
        {
            if (Interlocked.Exchange(ref lost, 0) == 1)
            {
                _context.Events.Count(Name, EndpointEvent.Reconnected);
                _context.Log($"{Name}: reconnected");
                try { Volatile.Read(ref round)?.Cancel(); }
                catch (ObjectDisposedException) { }
            }
            return ValueTask.CompletedTask;
        };
        var js = new NatsJSContext(nats);
        var inService = new ConcurrentDictionary<ulong, (INatsJSMsg<byte[]> Message, long DeliveredAt)>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeats = Task.Run(() => HeartbeatAsync(inService, stop.Token), CancellationToken.None);
        var backoff = _context.Settings.NewBackoff();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                INatsJSConsumer consumer;
                try
                {
                    var stream = await NatsConnector.EnsureStreamAsync(js, subject, cancellationToken).ConfigureAwait(false);
                    consumer = await js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig(_consumer)
                    {
                        DurableName = _consumer,
                        FilterSubject = subject,
                        AckPolicy = ConsumerConfigAckPolicy.Explicit,
                        DeliverPolicy = ConsumerConfigDeliverPolicy.All,
                        AckWait = _context.Settings.NatsAckWait,
                        MaxAckPending = _context.Settings.MaxUnacknowledged,
                        MaxDeliver = -1,
                    }, cancellationToken).ConfigureAwait(false);
                    backoff.Reset();
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    await WaitAfterAsync(e, backoff, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                using var thisRound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                Volatile.Write(ref round, thisRound);
                // Short pull expiries: a pull the server lost is replaced within seconds even without a reconnect event.
                var messages = consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = _context.Settings.NatsFetchBatch, Expires = TimeSpan.FromSeconds(5) },
                    cancellationToken: thisRound.Token).GetAsyncEnumerator(thisRound.Token);
                try
                {
                    while (true)
                    {
                        INatsJSMsg<byte[]> message;
                        try
                        {
                            if (!await messages.MoveNextAsync().ConfigureAwait(false)) break;
                            message = messages.Current;
                        }
                        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                        {
                            break; // A reconnect: consume again.
                        }
                        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                        {
                            await WaitAfterAsync(e, backoff, cancellationToken).ConfigureAwait(false);
                            break;
                        }
                        var metadata = message.Metadata;
                        var sequence = metadata?.Sequence.Stream ?? 0;
                        if (metadata is { NumDelivered: > 1 }) _context.Events.Count(Name, EndpointEvent.Redelivered);
                        inService[sequence] = (message, Stopwatch.GetTimestamp());
                        var text = message.Data is { } data ? Encoding.UTF8.GetString(data) : "";
                        yield return new Delivery(text, $"{Name}#{sequence.ToString(CultureInfo.InvariantCulture)}",
                            new NatsAcknowledgement(message, sequence, inService));
                    }
                }
                finally
                {
                    Volatile.Write(ref round, null);
                    try { await messages.DisposeAsync().ConfigureAwait(false); }
                    catch (OperationCanceledException) { }
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try { await heartbeats.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
    }

    private async Task WaitAfterAsync(Exception e, Backoff backoff, CancellationToken cancellationToken)
    {
        var delay = backoff.Next();
        _context.Log($"{Name}: {e.GetBaseException().Message}; trying again in {delay.TotalSeconds:0.0} s");
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every third of AckWait: an in-progress acknowledgement for each delivery in the service longer than that.</summary>
    private async Task HeartbeatAsync(ConcurrentDictionary<ulong, (INatsJSMsg<byte[]> Message, long DeliveredAt)> inService, CancellationToken cancellationToken)
    {
        var every = _context.Settings.HeartbeatEvery(_context.Settings.NatsAckWait);
        using var timer = new PeriodicTimer(every);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var (sequence, (message, deliveredAt)) in inService)
            {
                if (Stopwatch.GetElapsedTime(deliveredAt) < every) continue;
                try
                {
                    await message.AckProgressAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Disconnected: the server redelivers after AckWait, and the redelivery attaches to the request.
                    break;
                }
            }
        }
    }
}

/// <summary>Acknowledges one JetStream delivery (explicit ack), or gives it back (nak: redelivered at once).</summary>
internal sealed class NatsAcknowledgement(INatsJSMsg<byte[]> message, ulong sequence,
    ConcurrentDictionary<ulong, (INatsJSMsg<byte[]> Message, long DeliveredAt)> inService) : IDeliveryAcknowledgement
{
    public ValueTask AcknowledgeAsync()
    {
        inService.TryRemove(sequence, out _);
        return message.AckAsync();
    }

    public ValueTask GiveBackAsync()
    {
        inService.TryRemove(sequence, out _);
        return message.NakAsync();
    }
}
