using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Scheduler.Brokers.Nats;

/// <summary>
/// Connections to one NATS server and the JetStream stream that captures a subject: the stream that already does,
/// else a file-backed stream named after the subject (dots and wildcards replaced), created here.
/// </summary>
internal sealed class NatsConnector(BrokerAddress address, BrokerCredentials credentials)
{
    public const int DefaultPort = 4222;
    public const string Scheme = "nats";

    public BrokerAddress Address => address;

    public NatsConnection Connect(string role)
    {
        var c = credentials.Over(address);
        var opts = NatsOpts.Default with
        {
            Url = $"nats://{address.Host}:{address.Port}",
            Name = $"scheduler {role}",
            AuthOpts = NatsAuthOpts.Default with { Username = c.User, Password = c.Password, Token = c.Token },
            // The client reconnects by itself, forever, with its own backoff; the adapters only count it.
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(200),
            ReconnectWaitMax = TimeSpan.FromSeconds(5),
        };
        return new NatsConnection(opts);
    }

    /// <summary>The name of the stream that captures <paramref name="subject"/>, created if no stream does.</summary>
    public static async Task<string> EnsureStreamAsync(INatsJSContext js, string subject, CancellationToken cancellationToken)
    {
        await foreach (var name in js.ListStreamNamesAsync(subject, cancellationToken).ConfigureAwait(false))
            return name;
        var created = StreamNameFor(subject);
        try
        {
            await js.CreateStreamAsync(new StreamConfig(created, [subject]) { Storage = StreamConfigStorage.File }, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == 10058)
        {
            // Created meanwhile by another service (stream name already in use): fine if it captures the subject.
        }
        return created;
    }

    /// <summary>A stream name may not hold '.', '*', '>' or spaces.</summary>
    public static string StreamNameFor(string subject) =>
        new(subject.Select(c => c switch { '.' => '_', '*' => 'S', '>' => 'G', ' ' or '\t' => '_', _ => c }).ToArray());
}
