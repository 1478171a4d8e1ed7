namespace Scheduler.Runtime.Engines;

/// <summary>
/// Paces the modelled ranks of one process in real time, so that a modelled second takes <c>timeScale</c> real seconds:
/// step k ends <c>timeScale·max_g d_g</c> after step k−1 ended, as a barrier over real ranks would.
/// </summary>
/// <remarks>
/// A timer cannot do this step by step: Task.Delay truncates to whole milliseconds (a 0.4 ms step took no time, so ×0.1
/// ran as fast as ×0) and a wait of 1–3 ms takes 3–4 ms here. So the pacer keeps one timeline for the process: each step
/// is due at the previous step's due plus its own modelled time, each rank waits for the whole milliseconds up to its
/// due, and a wait that ended late is made up by the steps after it. A rank's due counts from the step's start on the
/// timeline, not from its own last step, so the process pays the slowest rank of each step (a sum of maxima), not
/// each rank's own sum. When the process falls behind the timeline by more than <see cref="MaxLag"/> (it was idle, or
/// the runtime is slower than the model) the timeline starts again from now instead of hurrying to catch up.
/// Steps are numbered by the barrier's ticks; a rank steps once per tick, so another number starts the next step (also
/// when a new balancer incarnation numbers them afresh).
/// </remarks>
public sealed class RealTimePacer(double timeScale, TimeProvider? time = null)
{
    /// <summary>Longer than a timer is late here (1–3 ms), short enough that a pause (no rank busy, so no step) is not
    /// counted as step time and followed by a burst.</summary>
    public static readonly TimeSpan MaxLag = TimeSpan.FromMilliseconds(5);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private long _step = long.MinValue;
    private long _start;
    private long _end = long.MinValue;

    /// <summary>How long the rank whose step <paramref name="step"/> of <paramref name="modelledSeconds"/> starts now
    /// waits before it answers: whole milliseconds up to its due time, zero when less than one is left.</summary>
    public TimeSpan Next(long step, double modelledSeconds)
    {
        var now = _time.GetTimestamp();
        long due;
        lock (_lock)
        {
            if (step != _step)
            {
                _step = step;
                _start = _end == long.MinValue || _time.GetElapsedTime(_end, now) > MaxLag ? now : _end;
                _end = _start;
            }
            due = _start + (long)(modelledSeconds * timeScale * _time.TimestampFrequency);
            _end = Math.Max(_end, due);
        }
        if (due <= now) return TimeSpan.Zero;
        var wait = _time.GetElapsedTime(now, due);
        return wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Floor(wait.TotalMilliseconds));
    }
}
