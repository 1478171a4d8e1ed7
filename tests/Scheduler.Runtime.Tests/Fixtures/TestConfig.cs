namespace Scheduler.Runtime.Tests.Fixtures;

/// <summary>HOCON for tests: the shipped defaults already bind 127.0.0.1 on port 0; this adds TestKit's time factor.</summary>
public static class TestConfig
{
    /// <summary>Slow 2-core CI machines: raise every TestKit expectation instead of widening single timeouts.</summary>
    public const string TimeFactor = "akka.test.timefactor = 3\n";

    /// <summary>A TestKit system with the runtime's defaults (cluster provider, serializer bindings).</summary>
    public static Akka.Configuration.Config Cluster() =>
        Akka.Configuration.ConfigurationFactory.ParseString(TimeFactor).WithFallback(Scheduler.Runtime.Hosting.RuntimeConfig.Defaults);

    /// <summary>A TestKit system without a cluster (local actors), keeping the serializer bindings.</summary>
    public static Akka.Configuration.Config Local() =>
        Akka.Configuration.ConfigurationFactory.ParseString(TimeFactor + "akka.actor.provider = local\n").WithFallback(Scheduler.Runtime.Hosting.RuntimeConfig.Defaults);
}
