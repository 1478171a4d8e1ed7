using Scheduler.Runtime.Observability;

namespace Scheduler.Brokers;

/// <summary>What every broker adapter shares: its settings, the counters /metrics exports, and where it reports a
/// lost connection (a line of text; never a credential).</summary>
public sealed record BrokerContext(BrokerSettings Settings, EndpointEvents Events, Action<string> Log)
{
    /// <summary>What the adapters' timeouts and backoff delays count on (a test's fake clock decides when they expire).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public static BrokerContext Quiet(BrokerSettings settings) => new(settings, new EndpointEvents(), _ => { });

    /// <summary>Lines go to <paramref name="log"/> as "<paramref name="prefix"/>: …", one at a time (adapters report from their own threads).</summary>
    public static BrokerContext WritingTo(TextWriter log, string prefix, BrokerSettings settings, EndpointEvents? events = null)
    {
        var gate = new object();
        return new BrokerContext(settings, events ?? new EndpointEvents(), line =>
        {
            lock (gate) log.WriteLine($"{prefix}: {line}");
        });
    }
}
