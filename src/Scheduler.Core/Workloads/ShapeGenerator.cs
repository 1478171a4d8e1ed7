using System.Globalization;
using Scheduler.Core.Model;

namespace Scheduler.Core.Workloads;

/// <summary>Draws a workload of a <see cref="WorkloadShape"/>: deterministic for a seed, backlogged or with timed arrivals.</summary>
public static class ShapeGenerator
{
    /// <param name="ratePerSecond">Mean arrival rate of timed arrivals; 0 = backlogged (every request at t=0).</param>
    public static Workload Generate(WorkloadShape shape, int count, int seed, double ratePerSecond = 0.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (!(ratePerSecond >= 0.0) || !double.IsFinite(ratePerSecond))
            throw new ArgumentOutOfRangeException(nameof(ratePerSecond), ratePerSecond, "rate must be a finite number ≥ 0");
        // Lengths and arrival gaps come from separate streams, so a seed gives the same requests at every rate
        // (a comparison at two loads differs only in when requests arrive).
        var random = new Random(seed);
        var arrivals = new Random(unchecked(seed * 31 + 17));
        var components = shape.Components;
        var shares = new double[components.Count];
        var requests = new Request[count];
        var clock = 0.0;
        for (var i = 0; i < count; i++)
        {
            var position = count == 1 ? 0.0 : (double)i / (count - 1);
            var component = components[Pick(random, components, position, shares)];
            var prompt = component.Prompt.Sample(random);
            var output = component.Output.Sample(random);
            if (ratePerSecond > 0 && i > 0) clock += Gap(arrivals, ratePerSecond, shape.ArrivalCv);
            requests[i] = new Request(i, prompt, output, output, clock);
        }
        var rate = ratePerSecond > 0 ? string.Create(CultureInfo.InvariantCulture, $";rate={ratePerSecond:0.###}") : "";
        return new Workload(requests, $"synthetic:shape={shape.Name};count={count};seed={seed}{rate}");
    }

    private static int Pick(Random random, IReadOnlyList<ShapeComponent> components, double position, double[] shares)
    {
        if (components.Count == 1) return 0;
        var total = 0.0;
        for (var c = 0; c < components.Count; c++) total += shares[c] = Math.Max(0.0, components[c].ShareAt(position));
        var u = random.NextDouble() * total;
        for (var c = 0; c < components.Count; c++)
        {
            u -= shares[c];
            if (u < 0) return c;
        }
        return components.Count - 1;
    }

    /// <summary>A gap between arrivals with mean 1/rate and coefficient of variation <paramref name="cv"/> (1: exponential).</summary>
    private static double Gap(Random random, double rate, double cv)
    {
        if (cv == 1.0) return -Math.Log(1.0 - random.NextDouble()) / rate;
        var shape = 1.0 / (cv * cv);
        return Gamma(random, shape) / (shape * rate);
    }

    /// <summary>Gamma(shape, 1) by Marsaglia and Tsang; shape below 1 through Gamma(shape + 1)·U^(1/shape).</summary>
    private static double Gamma(Random random, double shape)
    {
        if (shape < 1.0) return Gamma(random, shape + 1.0) * Math.Pow(1.0 - random.NextDouble(), 1.0 / shape);
        var d = shape - 1.0 / 3.0;
        var c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x, v;
            do
            {
                var u1 = 1.0 - random.NextDouble();
                var u2 = random.NextDouble();
                x = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
                v = 1.0 + c * x;
            } while (v <= 0);
            v = v * v * v;
            var u = 1.0 - random.NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v)) return d * v;
        }
    }
}
