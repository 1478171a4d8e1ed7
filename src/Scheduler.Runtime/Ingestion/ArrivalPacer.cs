using System.Diagnostics;

namespace Scheduler.Runtime.Ingestion;

/// <summary>
/// Releases requests at their recorded arrival times divided by a rate scale (2 = twice the recorded rate), on the
/// wall clock, counted from the first request. Timers fire on a ~1 ms grid, so a request due within a millisecond
/// goes at once: the rate holds on average, and a burst of identical timestamps goes together.
/// </summary>
public sealed class ArrivalPacer(double rateScale)
{
    private Stopwatch? _clock;
    private double _origin;

    /// <summary>How long to wait before releasing a request that arrived at <paramref name="arrivalSeconds"/>; zero when it is due.</summary>
    public TimeSpan Wait(double arrivalSeconds)
    {
        if (_clock is null)
        {
            _clock = Stopwatch.StartNew();
            _origin = arrivalSeconds;
        }
        var wait = (arrivalSeconds - _origin) / rateScale - _clock.Elapsed.TotalSeconds;
        return wait > 0.001 ? TimeSpan.FromSeconds(wait) : TimeSpan.Zero;
    }
}
