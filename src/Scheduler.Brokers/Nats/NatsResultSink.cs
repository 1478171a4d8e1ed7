using System.Security.Cryptography;
using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Scheduler.Brokers.Nats;

/// <summary>
/// <c>nats://HOST:PORT/SUBJECT</c> as a destination: each line a JetStream publication to SUBJECT (a stream capturing it
/// is created if none does), written once the server's publish acknowledgement says it is stored. Each message carries
/// a Nats-Msg-Id made from its content, so a publication retried after a lost acknowledgement is stored once.
/// </summary>
public sealed class NatsResultSink : ConfirmingSink
{
    private readonly NatsConnector _connector;
    private NatsConnection? _connection;
    private NatsJSContext? _js;

    internal NatsResultSink(BrokerAddress address, BrokerContext context) : base(address.Display, context) =>
        _connector = new NatsConnector(address.RequireKnownKeys(), context.Settings.Nats);

    protected override async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _connection ??= _connector.Connect("publisher");
        await _connection.ConnectAsync().ConfigureAwait(false);
        _js = new NatsJSContext(_connection);
        await NatsConnector.EnsureStreamAsync(_js, _connector.Address.Name, cancellationToken).ConfigureAwait(false);
    }

    protected override async Task PublishAsync(string line, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(line);
        var ack = await _js!.PublishAsync(_connector.Address.Name, body, opts: new NatsJSPubOpts { MsgId = MessageId(body) },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        // "Duplicate" means stored already (a retry of a publication whose acknowledgement was lost): done.
        if (ack.Duplicate) return;
        try
        {
            ack.EnsureSuccess();
        }
        catch (NatsJSDuplicateMessageException)
        {
        }
    }

    private static string MessageId(byte[] body) => Convert.ToHexString(SHA256.HashData(body).AsSpan(0, 16));

    // The client reconnects by itself: keep the connection, only the JetStream context is made again.
    protected override ValueTask DisconnectAsync()
    {
        _js = null;
        return ValueTask.CompletedTask;
    }

    protected override async ValueTask CloseAsync()
    {
        _js = null;
        if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
        _connection = null;
    }
}
