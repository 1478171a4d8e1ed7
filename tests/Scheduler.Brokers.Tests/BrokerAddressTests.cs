using Scheduler.Runtime.Endpoints;

namespace Scheduler.Brokers.Tests;

public sealed class BrokerAddressTests
{
    [Fact]
    public void A_full_uri_gives_host_port_name_parameters_and_credentials_but_shows_no_password()
    {
        var a = BrokerAddress.Parse("rabbitmq", "//svc:s3cret@mq.local:5673/orders.in?vhost=prod", 5672);
        Assert.Equal(("mq.local", 5673, "orders.in", "prod"), (a.Host, a.Port, a.Name, a.Get("vhost", "/")));
        Assert.Equal(("svc", "s3cret"), (a.User, a.Password));
        Assert.Equal("rabbitmq://mq.local:5673/orders.in", a.Display);
        Assert.DoesNotContain("s3cret", a.ToString());
        Assert.DoesNotContain("s3cret", a.WithName("orders.in.dlq").ToString());
    }

    [Fact]
    public void The_default_port_applies_when_none_is_given()
    {
        Assert.Equal(4222, BrokerAddress.Parse("nats", "//127.0.0.1/requests", 4222).Port);
    }

    [Theory]
    [InlineData("127.0.0.1:5672/q", "expected rabbitmq://")]
    [InlineData("//127.0.0.1:5672", "names no queue")]
    [InlineData("//127.0.0.1:5672/", "names no queue")]
    [InlineData("//127.0.0.1:99999/q", "port '99999'")]
    [InlineData("//u:pw@127.0.0.1:x/q", "port 'x'")]
    [InlineData("//127.0.0.1/q?novalue", "not key=value")]
    public void A_bad_uri_is_refused_naming_what_is_wrong_and_never_the_password(string remainder, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => BrokerAddress.Parse("rabbitmq", remainder, 5672));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("pw", e.Message);
    }

    [Fact]
    public void An_unknown_parameter_is_refused_rather_than_silently_ignored()
    {
        var a = BrokerAddress.Parse("nats", "//127.0.0.1/s?consumr=x", 4222);
        var e = Assert.Throws<ArgumentException>(() => a.RequireKnownKeys("consumer"));
        Assert.Contains("unknown parameter 'consumr'", e.Message);
    }

    [Theory]
    [InlineData("rabbitmq://u:pw@h:1/q", "rabbitmq://u:***@h:1/q")]
    [InlineData("rabbitmq://u@h:1/q", "rabbitmq://u@h:1/q")]
    [InlineData("redis://:pw@h/s?group=g", "redis://:***@h/s?group=g")]
    [InlineData("file:/tmp/x", "file:/tmp/x")]
    public void Redaction_hides_only_the_password(string uri, string shown) => Assert.Equal(shown, EndpointCatalog.Redact(uri));

    [Fact]
    public void The_catalog_opens_broker_endpoints_by_scheme_without_connecting()
    {
        var catalog = new EndpointCatalog().AddBrokers(BrokerContext.Quiet(BrokerSettings.Defaults));
        Assert.Equal("rabbitmq://127.0.0.1:5672/in", catalog.Source("rabbitmq://127.0.0.1/in").Name);
        Assert.Equal("nats://127.0.0.1:4222/in", catalog.Source("nats://127.0.0.1/in").Name);
        Assert.Equal("redis://127.0.0.1:6379/out", catalog.Sink("redis://127.0.0.1/out").Name);
        Assert.True(catalog.Source("redis://127.0.0.1/in").Redelivers);
        Assert.Equal("redis://127.0.0.1:6379/in.dlq", catalog.Source("redis://127.0.0.1/in").OpenDeadLetters()!.Name);
        var unknown = Assert.Throws<ArgumentException>(() => catalog.Source("kafka://u:pw@h/t"));
        Assert.DoesNotContain("pw", unknown.Message);
    }
}
