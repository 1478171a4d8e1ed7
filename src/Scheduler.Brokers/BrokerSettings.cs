using Akka.Configuration;
using Scheduler.Runtime.Hosting;

namespace Scheduler.Brokers;

/// <summary>A broker's user and password (or NATS token): from the URI, else from <c>scheduler.brokers.*</c> (which
/// reads the environment). Never logged: <see cref="ToString"/> shows only whether a secret is set.</summary>
public sealed record BrokerCredentials(string? User, string? Password, string? Token = null)
{
    public static readonly BrokerCredentials None = new(null, null);

    /// <summary>The URI's user part wins over configuration (a user who writes one means it).</summary>
    public BrokerCredentials Over(BrokerAddress address) =>
        address.User is null ? this : new BrokerCredentials(address.User, address.Password, Token);

    public override string ToString() => $"user {User ?? "(none)"}, password {(string.IsNullOrEmpty(Password) ? "unset" : "set")}";
}

/// <summary>
/// Every <c>scheduler.brokers</c> setting (config/scheduler.conf documents each key): reconnect backoff, credentials
/// per broker, and the timings that keep a long request from being redelivered while it decodes.
/// </summary>
public sealed record BrokerSettings(
    TimeSpan ReconnectMinBackoff,
    TimeSpan ReconnectMaxBackoff,
    int MaxUnacknowledged,
    int PublishMaxInFlight,
    TimeSpan PublishConfirmTimeout,
    BrokerCredentials RabbitMq,
    BrokerCredentials Nats,
    BrokerCredentials Redis,
    TimeSpan NatsAckWait,
    int NatsFetchBatch,
    TimeSpan RedisClaimIdle,
    TimeSpan RedisPollInterval,
    string? RedisConsumer,
    TimeSpan RedisDedupeWindow)
{
    /// <summary>The shipped defaults, for tools that read no configuration file (publish).</summary>
    public static BrokerSettings Defaults => FromConfig(RuntimeConfig.Defaults);

    public static BrokerSettings FromConfig(Config root)
    {
        var c = new ConfigValues(root, "scheduler.brokers");
        // Empty in the file: SCHEDULER_RABBITMQ_PASSWORD and the like (so a secret need not be written into a file).
        string? Optional(string key) => c.String(key) is { Length: > 0 } value ? value
            : Environment.GetEnvironmentVariable("SCHEDULER_" + key.Replace('.', '_').Replace('-', '_').ToUpperInvariant()) is { Length: > 0 } env ? env : null;
        var settings = new BrokerSettings(
            ReconnectMinBackoff: c.Duration("reconnect.min-backoff"),
            ReconnectMaxBackoff: c.Duration("reconnect.max-backoff"),
            MaxUnacknowledged: RuntimeSettings.FromConfig(root).Ingress.MaxUnacknowledged,
            PublishMaxInFlight: c.Int("publish.max-in-flight"),
            PublishConfirmTimeout: c.Duration("publish.confirm-timeout"),
            RabbitMq: new BrokerCredentials(Optional("rabbitmq.user"), Optional("rabbitmq.password")),
            Nats: new BrokerCredentials(Optional("nats.user"), Optional("nats.password"), Optional("nats.token")),
            Redis: new BrokerCredentials(Optional("redis.user"), Optional("redis.password")),
            NatsAckWait: c.Duration("nats.ack-wait"),
            NatsFetchBatch: c.Int("nats.fetch-batch"),
            RedisClaimIdle: c.Duration("redis.claim-idle"),
            RedisPollInterval: c.Duration("redis.poll-interval"),
            RedisConsumer: Optional("redis.consumer"),
            RedisDedupeWindow: c.Duration("redis.dedupe-window"));
        void Require(bool ok, string key, object value, string rule)
        {
            if (!ok) throw c.Invalid(key, value, rule);
        }
        Require(settings.ReconnectMinBackoff > TimeSpan.Zero, "reconnect.min-backoff", settings.ReconnectMinBackoff, "must be positive");
        Require(settings.ReconnectMaxBackoff >= settings.ReconnectMinBackoff, "reconnect.max-backoff", settings.ReconnectMaxBackoff, "must be at least reconnect.min-backoff");
        Require(settings.PublishMaxInFlight > 0, "publish.max-in-flight", settings.PublishMaxInFlight, "must be positive");
        Require(settings.PublishConfirmTimeout > TimeSpan.Zero, "publish.confirm-timeout", settings.PublishConfirmTimeout, "must be positive");
        Require(settings.NatsAckWait >= TimeSpan.FromSeconds(1), "nats.ack-wait", settings.NatsAckWait, "must be at least 1s");
        Require(settings.NatsFetchBatch > 0, "nats.fetch-batch", settings.NatsFetchBatch, "must be positive");
        Require(settings.RedisClaimIdle >= TimeSpan.FromSeconds(1), "redis.claim-idle", settings.RedisClaimIdle, "must be at least 1s");
        Require(settings.RedisDedupeWindow >= TimeSpan.Zero, "redis.dedupe-window", settings.RedisDedupeWindow, "must not be negative");
        Require(settings.RedisPollInterval > TimeSpan.Zero, "redis.poll-interval", settings.RedisPollInterval, "must be positive");
        return settings;
    }

    /// <summary>The backoff a reconnect loop starts from.</summary>
    public Backoff NewBackoff() => new(ReconnectMinBackoff, ReconnectMaxBackoff);

    /// <summary>How often a source tells the broker that deliveries still in the service are being worked on: a third
    /// of the broker's redelivery timeout, so two heartbeats can be late before the broker gives up on one.</summary>
    public TimeSpan HeartbeatEvery(TimeSpan timeout) => timeout / 3;
}
