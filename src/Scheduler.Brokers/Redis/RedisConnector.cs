using StackExchange.Redis;

namespace Scheduler.Brokers.Redis;

/// <summary>Connections to one Redis server. The multiplexer reconnects by itself; a command sent while it is down
/// fails (and is tried again by the adapter), it is never queued past the server's restart.</summary>
internal sealed class RedisConnector(BrokerAddress address, BrokerCredentials credentials)
{
    public const int DefaultPort = 6379;
    public const string Scheme = "redis";

    public BrokerAddress Address => address;

    public async Task<ConnectionMultiplexer> ConnectAsync(string role)
    {
        var c = credentials.Over(address);
        var options = new ConfigurationOptions
        {
            EndPoints = { { address.Host, address.Port } },
            User = c.User,
            Password = c.Password,
            ClientName = $"scheduler-{role}",
            // Keep trying in the background instead of failing the first connect; the adapters count and report.
            AbortOnConnectFail = false,
            ConnectRetry = 1,
            ConnectTimeout = 5000,
            SyncTimeout = 10000,
            AsyncTimeout = 10000,
            BacklogPolicy = BacklogPolicy.FailFast,
            ReconnectRetryPolicy = new ExponentialRetry(200, 5000),
        };
        return await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
    }
}
