using Scheduler.Runtime.Observability;

namespace Scheduler.Brokers;

/// <summary>What every broker adapter shares: its settings, the counters /metrics exports, and where it reports a
/// lost connection (a line of text; never a credential).</summary>
public sealed record BrokerContext(BrokerSettings Settings, EndpointEvents Events, Action<string> Log)
{
    public static BrokerContext Quiet(BrokerSettings settings) => new(settings, new EndpointEvents(), _ => { });
}
