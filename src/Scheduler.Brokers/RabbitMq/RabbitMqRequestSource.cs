using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Akka;
using Akka.Streams.Dsl;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Observability;
using Scheduler.Runtime.Results;

namespace Scheduler.Brokers.RabbitMq;

/// <summary>
/// <c>rabbitmq://HOST:PORT/QUEUE</c>: a consumer with manual acknowledgements on a durable quorum queue (declared if
/// absent), its prefetch the service's unacknowledged bound, so the backlog stays in the queue. A lost connection
/// is re-established with backoff; the deliveries of the lost channel come again from the broker (marked
/// redelivered) and attach to their requests if those are still in the service.
/// </summary>
public sealed class RabbitMqRequestSource : IRequestSource
{
    private readonly RabbitMqConnector _connector;
    private readonly BrokerContext _context;

    internal RabbitMqRequestSource(BrokerAddress address, BrokerContext context)
    {
        _connector = new RabbitMqConnector(address.RequireKnownKeys("vhost"), context.Settings.RabbitMq);
        _context = context;
    }

    public string Name => _connector.Address.Display;
    public bool Redelivers => true;
    public RecordFraming Framing => RecordFraming.Messages;

    /// <summary>Malformed messages go to <c>QUEUE.dlq</c> on the same broker.</summary>
    public IResultSink OpenDeadLetters() => new RabbitMqResultSink(_connector.Address.WithName(_connector.Address.Name + ".dlq"), _context);

    public Source<Delivery, NotUsed> Open() => Source.From<Delivery>(() => Deliveries());

    private async IAsyncEnumerable<Delivery> Deliveries([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Bounded by the prefetch: the broker sends no more than that many unacknowledged deliveries.
        var buffer = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var consuming = Task.Run(() => ConsumeAsync(buffer.Writer, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var delivery in buffer.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return delivery;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try { await consuming.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
    }

    /// <summary>Connect, consume until the connection is lost, reconnect with backoff; until cancelled.</summary>
    private async Task ConsumeAsync(ChannelWriter<Delivery> buffer, CancellationToken cancellationToken)
    {
        var backoff = _context.Settings.NewBackoff();
        var lost = false;
        var queue = _connector.Address.Name;
        var prefetch = (ushort)Math.Clamp(_context.Settings.MaxUnacknowledged, 1, ushort.MaxValue);
        while (!cancellationToken.IsCancellationRequested)
        {
            IConnection? connection = null;
            IChannel? channel = null;
            try
            {
                connection = await _connector.ConnectAsync("consumer", cancellationToken).ConfigureAwait(false);
                await RabbitMqConnector.DeclareAsync(connection, queue, cancellationToken).ConfigureAwait(false);
                channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken).ConfigureAwait(false);
                var closed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                channel.ChannelShutdownAsync += (_, e) =>
                {
                    closed.TrySetResult(e.ReplyText);
                    return Task.CompletedTask;
                };
                var consumer = new AsyncEventingBasicConsumer(channel);
                consumer.ReceivedAsync += (_, e) =>
                {
                    // The client reuses the body's buffer once the handler returns: decode (copy) it now.
                    var text = Encoding.UTF8.GetString(e.Body.Span);
                    if (e.Redelivered) _context.Events.Count(Name, EndpointEvent.Redelivered);
                    var position = $"{Name}#{e.BasicProperties.MessageId ?? e.DeliveryTag.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
                    buffer.TryWrite(new Delivery(text, position, new RabbitMqAcknowledgement(channel, e.DeliveryTag)));
                    return Task.CompletedTask;
                };
                await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
                if (lost)
                {
                    _context.Events.Count(Name, EndpointEvent.Reconnected);
                    _context.Log($"{Name}: reconnected");
                }
                backoff.Reset();
                var reason = await closed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                throw new IOException($"channel closed: {reason}");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                _context.Events.Count(Name, EndpointEvent.ConnectionLost);
                var delay = backoff.Next();
                _context.Log($"{Name}: {RabbitMqConnector.Describe(e)}; reconnecting in {delay.TotalSeconds:0.0} s");
                lost = true;
                await Dispose(channel, connection).ConfigureAwait(false);
                try { await Task.Delay(delay, cancellationToken).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
                continue;
            }
            finally
            {
                if (cancellationToken.IsCancellationRequested) await Dispose(channel, connection).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Close what is lost, waiting at most a few seconds: a channel of a dead broker may never finish closing.</summary>
    private static async Task Dispose(IChannel? channel, IConnection? connection)
    {
        async Task Close()
        {
            if (channel is not null) await channel.DisposeAsync().ConfigureAwait(false);
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
        }
        try
        {
            await Close().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Closing what is already lost (or not closing in time): nothing to report, the reconnect goes on.
        }
    }
}
