namespace Scheduler.Runtime.Tests.Fixtures;

/// <summary>HOCON for tests: the shipped defaults already bind 127.0.0.1 on port 0; this adds TestKit's time factor and
/// serialize-messages.</summary>
public static class TestConfig
{
    /// <summary>Slow 2-core CI machines: raise every TestKit expectation instead of widening single timeouts.</summary>
    public const string TimeFactor = "akka.test.timefactor = 3\n";

    /// <summary>Every message an actor sends goes through its serializer, as if it crossed nodes: a message that could
    /// not travel fails here rather than in a cluster. Messages that never leave their node say so
    /// (INoSerializationVerificationNeeded: delivery handles, exceptions, a stream's protocol).</summary>
    public const string SerializeMessages = "akka.actor.serialize-messages = on\n";

    /// <summary>A TestKit system with the runtime's defaults (cluster provider, serializer bindings).</summary>
    public static Akka.Configuration.Config Cluster() =>
        Akka.Configuration.ConfigurationFactory.ParseString(TimeFactor + SerializeMessages).WithFallback(Scheduler.Runtime.Hosting.RuntimeConfig.Defaults);

    /// <summary>A TestKit system with remoting (127.0.0.1, port 0) but no cluster: for specs with a second actor system as
    /// another node, whose actors' messages cross a real connection.</summary>
    public static Akka.Configuration.Config Remote() =>
        Akka.Configuration.ConfigurationFactory.ParseString(TimeFactor + SerializeMessages + "akka.actor.provider = remote\n").WithFallback(Scheduler.Runtime.Hosting.RuntimeConfig.Defaults);

    /// <summary>A TestKit system without a cluster (local actors), keeping the serializer bindings.</summary>
    public static Akka.Configuration.Config Local() =>
        Akka.Configuration.ConfigurationFactory.ParseString(TimeFactor + SerializeMessages + "akka.actor.provider = local\n").WithFallback(Scheduler.Runtime.Hosting.RuntimeConfig.Defaults);

    /// <summary>Local actors without serialize-messages: only for a spec that must send what no serializer takes.</summary>
    public static Akka.Configuration.Config LocalWithoutSerialization() =>
        Akka.Configuration.ConfigurationFactory.ParseString(TimeFactor + "akka.actor.provider = local\n").WithFallback(Scheduler.Runtime.Hosting.RuntimeConfig.Defaults);
}
