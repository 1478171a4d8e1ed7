using StackExchange.Redis;

namespace Scheduler.Brokers.Redis;

/// <summary>
/// <c>redis://HOST:PORT/STREAM</c> as a destination: each line an entry <c>XADD STREAM * json LINE</c>, written once Redis
/// has answered (with AOF on, an answered entry survives a restart of the server). Redis has no idempotent XADD before
/// 8.x: a line whose answer was lost to a dropped connection is added again, so a reader may see it twice.
/// </summary>
public sealed class RedisResultSink : ConfirmingSink
{
    /// <summary>The field an entry's JSON text is stored under (the source reads it from there).</summary>
    public const string Field = "json";

    private readonly RedisConnector _connector;
    private ConnectionMultiplexer? _connection;
    private IDatabase? _database;

    internal RedisResultSink(BrokerAddress address, BrokerContext context) : base(address.Display, context) =>
        _connector = new RedisConnector(address.RequireKnownKeys(), context.Settings.Redis);

    protected override async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _connection ??= await _connector.ConnectAsync("publisher").ConfigureAwait(false);
        _database = _connection.GetDatabase();
        await _database.PingAsync().ConfigureAwait(false);
    }

    protected override Task PublishAsync(string line, CancellationToken cancellationToken) =>
        _database!.StreamAddAsync(_connector.Address.Name, Field, line);

    // The multiplexer reconnects by itself: keep it.
    protected override ValueTask DisconnectAsync() => ValueTask.CompletedTask;

    protected override async ValueTask CloseAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
        _connection = null;
    }
}
