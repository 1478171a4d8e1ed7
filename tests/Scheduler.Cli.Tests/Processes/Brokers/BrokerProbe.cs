using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using RabbitMQ.Client;
using StackExchange.Redis;

namespace Scheduler.Cli.Tests.Processes.Brokers;

/// <summary>One message as a test reads it back: its text and the broker's message id (RabbitMQ) if any.</summary>
internal sealed record ProbeMessage(string Text, string? MessageId);

/// <summary>
/// A test's own view of a broker, through the official client directly (not the adapters under test): publish raw
/// messages, read a destination back, and tell whether an input still holds anything ready or unacknowledged.
/// </summary>
internal abstract class BrokerProbe : IAsyncDisposable
{
    public abstract string Name { get; }

    /// <summary>The URI of a fresh destination named <paramref name="name"/> for <c>--source</c> / <c>--results</c>.</summary>
    public abstract string Uri(string name);

    /// <summary>The dead-letter destination the service uses beside a source named <paramref name="name"/>.</summary>
    public virtual string DeadLetterName(string name) => name + ".dlq";

    public abstract Task PublishAsync(string name, IReadOnlyList<string> bodies);

    /// <summary>Everything in a destination, oldest first; nothing is removed.</summary>
    public abstract Task<List<ProbeMessage>> ReadAllAsync(string name);

    /// <summary>Messages of a source not yet acknowledged by the service: ready, or delivered and unacknowledged.</summary>
    public abstract Task<long> OutstandingAsync(string name);

    public abstract ValueTask DisposeAsync();

    public static BrokerProbe For(string broker) => broker switch
    {
        "rabbitmq" => new RabbitMqProbe(),
        "nats" => new NatsProbe(),
        "redis" => new RedisProbe(),
        _ => throw new ArgumentException(broker),
    };

    private sealed class RabbitMqProbe : BrokerProbe
    {
        private IConnection? _connection;

        public override string Name => "rabbitmq";
        public override string Uri(string name) => $"rabbitmq://127.0.0.1:5672/{name}";

        private async Task<IConnection> Connection() => _connection ??= await new ConnectionFactory { HostName = "127.0.0.1" }.CreateConnectionAsync();

        public override async Task PublishAsync(string name, IReadOnlyList<string> bodies)
        {
            var connection = await Connection();
            await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
            await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false,
                arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
            foreach (var chunk in bodies.Chunk(500))
                await Task.WhenAll(chunk.Select(b => channel.BasicPublishAsync("", name, mandatory: true,
                    new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes(b)).AsTask()));
        }

        public override async Task<List<ProbeMessage>> ReadAllAsync(string name)
        {
            var connection = await Connection();
            // Got without acknowledgement: closing the channel puts every message back.
            await using var channel = await connection.CreateChannelAsync();
            var messages = new List<ProbeMessage>();
            while (await channel.BasicGetAsync(name, autoAck: false) is { } got)
                messages.Add(new ProbeMessage(Encoding.UTF8.GetString(got.Body.Span), got.BasicProperties.MessageId));
            await channel.CloseAsync();
            return messages;
        }

        public override async Task<long> OutstandingAsync(string name)
        {
            // Once the service's connection is closed, what it held unacknowledged is ready again: ready counts all.
            var connection = await Connection();
            await using var channel = await connection.CreateChannelAsync();
            return (await channel.QueueDeclarePassiveAsync(name)).MessageCount;
        }

        public override async ValueTask DisposeAsync()
        {
            if (_connection is not null) await _connection.DisposeAsync();
        }
    }

    private sealed class NatsProbe : BrokerProbe
    {
        private readonly NatsConnection _nats = new(NatsOpts.Default with { Url = "nats://127.0.0.1:4222" });

        public override string Name => "nats";
        public override string Uri(string name) => $"nats://127.0.0.1:4222/{name}";

        private static string Stream(string subject) => subject.Replace('.', '_');

        public override async Task PublishAsync(string name, IReadOnlyList<string> bodies)
        {
            var js = new NatsJSContext(_nats);
            await js.CreateOrUpdateStreamAsync(new StreamConfig(Stream(name), [name]));
            foreach (var chunk in bodies.Chunk(500))
                await Task.WhenAll(chunk.Select(async b => (await js.PublishAsync(name, Encoding.UTF8.GetBytes(b))).EnsureSuccess()));
        }

        public override async Task<List<ProbeMessage>> ReadAllAsync(string name)
        {
            var js = new NatsJSContext(_nats);
            var messages = new List<ProbeMessage>();
            var stream = await js.GetStreamAsync(Stream(name));
            var count = (long)stream.Info.State.Messages;
            if (count == 0) return messages;
            var consumer = await js.CreateOrderedConsumerAsync(Stream(name));
            await foreach (var m in consumer.ConsumeAsync<byte[]>())
            {
                messages.Add(new ProbeMessage(Encoding.UTF8.GetString(m.Data!), null));
                if (messages.Count == count) break;
            }
            return messages;
        }

        public override async Task<long> OutstandingAsync(string name)
        {
            var js = new NatsJSContext(_nats);
            var consumer = await js.GetConsumerAsync(Stream(name), "scheduler");
            return (long)consumer.Info.NumPending + consumer.Info.NumAckPending;
        }

        public override ValueTask DisposeAsync() => _nats.DisposeAsync();
    }

    private sealed class RedisProbe : BrokerProbe
    {
        private ConnectionMultiplexer? _redis;

        public override string Name => "redis";
        public override string Uri(string name) => $"redis://127.0.0.1:6379/{name}";

        private async Task<IDatabase> Database() => (_redis ??= await ConnectionMultiplexer.ConnectAsync("127.0.0.1:6379")).GetDatabase();

        public override async Task PublishAsync(string name, IReadOnlyList<string> bodies)
        {
            var db = await Database();
            foreach (var chunk in bodies.Chunk(500))
                await Task.WhenAll(chunk.Select(b => db.StreamAddAsync(name, "json", b)));
        }

        public override async Task<List<ProbeMessage>> ReadAllAsync(string name)
        {
            var db = await Database();
            var entries = await db.StreamRangeAsync(name);
            return entries.Select(e => new ProbeMessage(e["json"].ToString(), null)).ToList();
        }

        public override async Task<long> OutstandingAsync(string name)
        {
            var db = await Database();
            var pending = await db.StreamPendingAsync(name, "scheduler");
            // Not yet delivered to the group: entries after its last delivered id.
            var group = (await db.StreamGroupInfoAsync(name)).Single(g => g.Name == "scheduler");
            var undelivered = (await db.StreamRangeAsync(name, minId: group.LastDeliveredId)).Count(e => e.Id != group.LastDeliveredId);
            return pending.PendingMessageCount + undelivered;
        }

        public override async ValueTask DisposeAsync()
        {
            if (_redis is not null) await _redis.DisposeAsync();
        }
    }
}
