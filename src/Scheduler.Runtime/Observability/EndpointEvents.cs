using System.Collections.Concurrent;

namespace Scheduler.Runtime.Observability;

/// <summary>What can happen to a source's or sink's connection that the service counts (<c>/metrics</c>).</summary>
public enum EndpointEvent
{
    /// <summary>The connection was lost (or a broker refused it).</summary>
    ConnectionLost,

    /// <summary>A connection was established again after a loss.</summary>
    Reconnected,

    /// <summary>The broker marked a delivery as delivered before (it was not acknowledged in time, or a connection dropped).</summary>
    Redelivered,

    /// <summary>A result or dead letter was published again because its first attempt was not confirmed.</summary>
    PublishRetried,

    /// <summary>Deliveries a source claimed back from a dead consumer (Redis XAUTOCLAIM).</summary>
    Claimed,
}

/// <summary>
/// Counts of <see cref="EndpointEvent"/> per endpoint (its display name, never with credentials), shared by the
/// adapters that see the events (on their own threads) and the metrics that export them.
/// </summary>
public sealed class EndpointEvents
{
    private readonly ConcurrentDictionary<(string Endpoint, EndpointEvent Event), long> _counts = new();

    public void Count(string endpoint, EndpointEvent @event, long count = 1) =>
        _counts.AddOrUpdate((endpoint, @event), count, (_, value) => value + count);

    public long Get(string endpoint, EndpointEvent @event) => _counts.TryGetValue((endpoint, @event), out var value) ? value : 0;

    /// <summary>The total of one event over every endpoint.</summary>
    public long Total(EndpointEvent @event) => _counts.Where(kv => kv.Key.Event == @event).Sum(kv => kv.Value);

    public IReadOnlyList<(string Endpoint, EndpointEvent Event, long Count)> Snapshot() =>
        _counts.Select(kv => (kv.Key.Endpoint, kv.Key.Event, kv.Value)).OrderBy(e => e.Endpoint, StringComparer.Ordinal).ThenBy(e => e.Event).ToList();
}
