using System.Security.Cryptography;
using System.Text;
using RabbitMQ.Client;

namespace Scheduler.Brokers.RabbitMq;

/// <summary>
/// <c>rabbitmq://HOST:PORT/QUEUE</c> as a destination: each line a persistent message to a durable quorum queue
/// (declared if absent) through the default exchange, with publisher confirms: a line counts as written only once the
/// broker has confirmed it (and routed it: the publication is mandatory). RabbitMQ cannot drop a duplicate: a line
/// whose confirmation was lost to a broker crash is published again and may be stored twice, so each message carries a
/// message id made from its content, by which a reader removes such a repeat.
/// </summary>
public sealed class RabbitMqResultSink : ConfirmingSink
{
    private readonly RabbitMqConnector _connector;
    private IConnection? _connection;
    private IChannel? _channel;

    internal RabbitMqResultSink(BrokerAddress address, BrokerContext context) : base(address.Display, context) =>
        _connector = new RabbitMqConnector(address.RequireKnownKeys("vhost"), context.Settings.RabbitMq);

    protected override async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _connection = await _connector.ConnectAsync("publisher", cancellationToken).ConfigureAwait(false);
        await RabbitMqConnector.DeclareAsync(_connection, _connector.Address.Name, cancellationToken).ConfigureAwait(false);
        _channel = await _connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken).ConfigureAwait(false);
    }

    protected override Task PublishAsync(string line, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(line);
        var properties = new BasicProperties
        {
            Persistent = true,
            ContentType = "application/json",
            MessageId = Convert.ToHexString(SHA256.HashData(body).AsSpan(0, 16)),
        };
        return _channel!.BasicPublishAsync("", _connector.Address.Name, mandatory: true, properties, body, cancellationToken).AsTask();
    }

    protected override async ValueTask DisconnectAsync()
    {
        // Forget them first: a close that never ends (see DropConnectionAsync) must not leave them in use.
        var (channel, connection) = (_channel, _connection);
        _channel = null;
        _connection = null;
        try
        {
            if (channel is not null) await channel.DisposeAsync().ConfigureAwait(false);
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already lost.
        }
    }

    protected override string Describe(Exception e) => RabbitMqConnector.Describe(e);
}
