using Scheduler.Brokers.Nats;
using Scheduler.Brokers.RabbitMq;
using Scheduler.Brokers.Redis;
using Scheduler.Runtime.Endpoints;

namespace Scheduler.Brokers;

/// <summary>
/// Registers the broker schemes with an endpoint catalog, as sources and as sinks:
/// <c>rabbitmq://HOST[:PORT]/QUEUE</c>, <c>nats://HOST[:PORT]/SUBJECT</c>, <c>redis://HOST[:PORT]/STREAM</c>.
/// </summary>
public static class BrokerEndpoints
{
    public static EndpointCatalog AddBrokers(this EndpointCatalog catalog, BrokerContext context) => catalog
        .RegisterSource(RabbitMqConnector.Scheme, rest => new RabbitMqRequestSource(Parse(RabbitMqConnector.Scheme, rest, RabbitMqConnector.DefaultPort), context))
        .RegisterSink(RabbitMqConnector.Scheme, rest => new RabbitMqResultSink(Parse(RabbitMqConnector.Scheme, rest, RabbitMqConnector.DefaultPort), context))
        .RegisterSource(NatsConnector.Scheme, rest => new NatsRequestSource(Parse(NatsConnector.Scheme, rest, NatsConnector.DefaultPort), context))
        .RegisterSink(NatsConnector.Scheme, rest => new NatsResultSink(Parse(NatsConnector.Scheme, rest, NatsConnector.DefaultPort), context))
        .RegisterSource(RedisConnector.Scheme, rest => new RedisRequestSource(Parse(RedisConnector.Scheme, rest, RedisConnector.DefaultPort), context))
        .RegisterSink(RedisConnector.Scheme, rest => new RedisResultSink(Parse(RedisConnector.Scheme, rest, RedisConnector.DefaultPort), context));

    private static BrokerAddress Parse(string scheme, string rest, int defaultPort) => BrokerAddress.Parse(scheme, rest, defaultPort);
}
