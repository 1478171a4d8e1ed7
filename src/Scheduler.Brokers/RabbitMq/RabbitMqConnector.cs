using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Scheduler.Brokers.RabbitMq;

/// <summary>
/// Opens connections to one RabbitMQ broker and declares the queues this service uses: durable quorum queues,
/// declared if absent. A queue that already exists is used as it is (its type and arguments are the operator's).
/// Automatic recovery is off: the adapters reconnect themselves, so that they know which deliveries a lost channel
/// took with it.
/// </summary>
internal sealed class RabbitMqConnector(BrokerAddress address, BrokerCredentials credentials)
{
    public const int DefaultPort = 5672;
    public const string Scheme = "rabbitmq";

    public BrokerAddress Address => address;

    public async Task<IConnection> ConnectAsync(string role, CancellationToken cancellationToken)
    {
        var c = credentials.Over(address);
        var factory = new ConnectionFactory
        {
            HostName = address.Host,
            Port = address.Port,
            VirtualHost = address.Get("vhost", "/"),
            UserName = c.User ?? ConnectionFactory.DefaultUser,
            Password = c.Password ?? ConnectionFactory.DefaultPass,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            // 0 would deliver nothing, silently: one handler at a time keeps deliveries in order.
            ConsumerDispatchConcurrency = 1,
            RequestedHeartbeat = TimeSpan.FromSeconds(10),
            ClientProvidedName = $"scheduler {role}",
        };
        return await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Make sure <paramref name="queue"/> exists: as it is if it does, else a durable quorum queue.</summary>
    public static async Task DeclareAsync(IConnection connection, string queue, CancellationToken cancellationToken)
    {
        // A passive declare that fails closes its channel: ask on a channel of its own.
        var probe = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await probe.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            // Absent: declared below.
        }
        finally
        {
            await probe.DisposeAsync().ConfigureAwait(false);
        }
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The message of a failure, for a log line: the client's messages name hosts and reasons, not passwords.</summary>
    public static string Describe(Exception e) => e switch
    {
        BrokerUnreachableException => $"broker unreachable ({e.InnerException?.GetBaseException().Message ?? e.Message})",
        _ => e.GetBaseException().Message,
    };
}
