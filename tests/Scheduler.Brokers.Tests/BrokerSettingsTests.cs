using Akka.Configuration;
using Scheduler.Runtime.Hosting;

namespace Scheduler.Brokers.Tests;

public sealed class BrokerSettingsTests
{
    [Fact]
    public void The_shipped_defaults_read_and_credentials_show_only_whether_a_secret_is_set()
    {
        var s = BrokerSettings.Defaults;
        Assert.Equal(TimeSpan.FromSeconds(30), s.NatsAckWait);
        Assert.Equal(10_000, s.MaxUnacknowledged);
        Assert.Equal("user svc, password set", new BrokerCredentials("svc", "s3cret").ToString());
    }

    [Fact]
    public void A_bad_value_names_its_key()
    {
        var config = ConfigurationFactory.ParseString("scheduler.brokers.nats.ack-wait = 10ms").WithFallback(RuntimeConfig.Defaults);
        var e = Assert.Throws<ConfigurationException>(() => BrokerSettings.FromConfig(config));
        Assert.Contains("scheduler.brokers.nats.ack-wait", e.Message);
    }

    [Fact]
    public void A_uri_user_wins_over_configured_credentials()
    {
        var configured = new BrokerCredentials("cfg", "cfgpw");
        var address = BrokerAddress.Parse("redis", "//uri:uripw@h/s", 6379);
        Assert.Equal(new BrokerCredentials("uri", "uripw"), configured.Over(address));
        Assert.Equal(configured, configured.Over(BrokerAddress.Parse("redis", "//h/s", 6379)));
    }
}
