namespace Scheduler.Brokers;

/// <summary>
/// Delays between reconnect attempts: from the minimum, doubling up to the maximum, each with ±20% jitter so that
/// several services that lost the same broker do not all knock at the same instant. <see cref="Reset"/> after a
/// success. Not thread-safe: one per reconnect loop.
/// </summary>
public sealed class Backoff(TimeSpan min, TimeSpan max, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;
    private TimeSpan _next = TimeSpan.Zero;

    public int Attempts { get; private set; }

    public TimeSpan Next()
    {
        var delay = _next == TimeSpan.Zero ? min : _next;
        _next = TimeSpan.FromTicks(Math.Min(max.Ticks, delay.Ticks * 2));
        Attempts++;
        var jitter = 0.8 + 0.4 * _random.NextDouble();
        return TimeSpan.FromTicks((long)(delay.Ticks * jitter));
    }

    public void Reset()
    {
        _next = TimeSpan.Zero;
        Attempts = 0;
    }

    public Task WaitAsync(CancellationToken cancellationToken) => Task.Delay(Next(), cancellationToken);
}
