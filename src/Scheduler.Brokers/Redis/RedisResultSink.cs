using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Scheduler.Brokers.Redis;

/// <summary>
/// <c>redis://HOST:PORT/STREAM</c> as a destination: each line an entry <c>XADD STREAM * json LINE</c>, written once Redis
/// has answered (with AOF on, an answered entry survives a restart of the server). Redis 7 has no idempotent XADD, and
/// a line whose answer was lost to a dropped connection is sent again: a script adds the entry only if a marker for the
/// line's content (<c>STREAM:sent:HASH</c>, kept <see cref="BrokerSettings.RedisDedupeWindow"/>) was not set, both in
/// one atomic step, so the retry is stored once.
/// </summary>
public sealed class RedisResultSink : ConfirmingSink
{
    /// <summary>The field an entry's JSON text is stored under (the source reads it from there).</summary>
    public const string Field = "json";

    private readonly RedisConnector _connector;
    private ConnectionMultiplexer? _connection;
    private IDatabase? _database;
    private readonly long _dedupeSeconds;

    internal RedisResultSink(BrokerAddress address, BrokerContext context) : base(address.Display, context)
    {
        _connector = new RedisConnector(address.RequireKnownKeys(), context.Settings.Redis);
        _dedupeSeconds = (long)Math.Ceiling(context.Settings.RedisDedupeWindow.TotalSeconds);
    }

    protected override async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _connection ??= await _connector.ConnectAsync("publisher").ConfigureAwait(false);
        _database = _connection.GetDatabase();
        await _database.PingAsync().ConfigureAwait(false);
    }

    protected override Task PublishAsync(string line, CancellationToken cancellationToken)
    {
        if (_dedupeSeconds <= 0) return _database!.StreamAddAsync(_connector.Address.Name, Field, line);
        var marker = $"{_connector.Address.Name}:sent:{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(line)).AsSpan(0, 16))}";
        return _database!.ScriptEvaluateAsync(AddOnce, [_connector.Address.Name, marker], [line, _dedupeSeconds]);
    }

    private const string AddOnce = """
        if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) then
          return redis.call('XADD', KEYS[1], '*', 'json', ARGV[1])
        end
        return false
        """;

    // The multiplexer reconnects by itself: keep it.
    protected override ValueTask DisconnectAsync() => ValueTask.CompletedTask;

    protected override async ValueTask CloseAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
        _connection = null;
    }
}
