using System.Globalization;
using Scheduler.Core.Model;

namespace Scheduler.Core.Traces;

/// <summary>
/// Builds workloads of any size from a trace: uniform draws with replacement (as the reference simulator
/// samples its burst workload) and arrival-rate rescaling to reach a target load.
/// </summary>
public static class TraceSampler
{
    /// <summary>
    /// <paramref name="count"/> requests drawn uniformly with replacement by <see cref="Random"/>(<paramref name="seed"/>),
    /// renumbered 0..count-1. A timestamped source keeps each drawn request's arrival and the sample is
    /// stably sorted by it (a workload's arrivals never decrease); an untimed source gives all arrivals 0.
    /// </summary>
    public static Workload Sample(Workload source, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (source.Count == 0) throw new ArgumentException($"{source.Source}: cannot sample from an empty workload", nameof(source));

        var random = new Random(seed);
        var drawn = new int[count];
        for (var i = 0; i < count; i++) drawn[i] = random.Next(source.Count);

        var timed = HasArrivals(source);
        if (timed)
        {
            // Array.Sort is unstable; breaking ties by draw position makes it stable and the result deterministic.
            var order = new int[count];
            for (var i = 0; i < count; i++) order[i] = i;
            Array.Sort(order, (a, b) =>
            {
                var byArrival = source[drawn[a]].ArrivalSeconds.CompareTo(source[drawn[b]].ArrivalSeconds);
                return byArrival != 0 ? byArrival : a.CompareTo(b);
            });
            var sorted = new int[count];
            for (var i = 0; i < count; i++) sorted[i] = drawn[order[i]];
            drawn = sorted;
        }

        var requests = new Request[count];
        for (var i = 0; i < count; i++)
        {
            var r = source[drawn[i]];
            requests[i] = r with { Id = i, ArrivalSeconds = timed ? r.ArrivalSeconds : 0.0 };
        }
        return new Workload(requests, $"{source.Source} (sample n={count} seed={seed})");
    }

    /// <summary>
    /// The same requests arriving <paramref name="rateScale"/> times as fast: every arrival divided by it
    /// (2 = twice the request rate, half the gaps).
    /// </summary>
    public static Workload RescaleArrivals(Workload workload, double rateScale)
    {
        ArgumentNullException.ThrowIfNull(workload);
        if (!(rateScale > 0) || !double.IsFinite(rateScale))
            throw new ArgumentOutOfRangeException(nameof(rateScale), rateScale, "rate scale must be a positive finite number");
        var requests = new Request[workload.Count];
        for (var i = 0; i < requests.Length; i++)
        {
            var r = workload[i];
            requests[i] = r with { ArrivalSeconds = r.ArrivalSeconds / rateScale };
        }
        return new Workload(requests, $"{workload.Source} (rate x{rateScale.ToString("R", CultureInfo.InvariantCulture)})");
    }

    private static bool HasArrivals(Workload workload)
    {
        for (var i = 0; i < workload.Count; i++)
        {
            if (workload[i].ArrivalSeconds > 0) return true;
        }
        return false;
    }
}
