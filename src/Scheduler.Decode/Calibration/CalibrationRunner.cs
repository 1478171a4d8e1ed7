using System.Diagnostics;

namespace Scheduler.Decode.Calibration;

/// <summary>
/// One grid point's measurement at n requests holding ΣKV tokens (mean over its timed steps): the median step time
/// by the fitted clock (<see cref="Seconds"/>) and by wall clock (<see cref="WallSeconds"/>).
/// </summary>
public sealed record CalibrationSample(int Requests, double KvTokens, double Seconds, double WallSeconds, int Steps);

/// <summary>Progress after each timed point: <see cref="Done"/> of <see cref="Total"/> (rounds × points).</summary>
public sealed record CalibrationProgress(int Done, int Total, int Round, int Requests, int KvTokens, double MedianSeconds);

/// <summary>
/// Times real decode steps over a grid of (n, ΣKV) on this machine and fits the affine step-cost model
/// α + β·n + γ·ΣKV. Steps run on the calling thread, timed by its CPU clock unless
/// <see cref="CalibrationOptions.Clock"/> says wall. Caches are filled synthetically (step cost does not depend on cache values), so only decode
/// steps are timed, never prefill; ΣKV is the load before each step, as the simulator's cost model sees it.
/// </summary>
public static class CalibrationRunner
{
    public static CalibrationResult Run(CalibrationOptions options, IProgress<CalibrationProgress>? progress = null)
    {
        options.Validate();
        var started = Stopwatch.GetTimestamp();
        var engineOptions = options.Engine.WithPrefill(PrefillMode.Synthetic);
        using var model = engineOptions.CreateModel();
        var points = options.Points();
        var maxLength = model.Config.MaxPositions - options.WarmupSteps - options.StepsPerRound - 1;
        if (points.Any(p => (p.KvTokens + p.Requests - 1) / p.Requests > maxLength))
            throw new ArgumentException($"the grid needs requests longer than the model's {model.Config.MaxPositions} positions allow");

        using (var warm = new TorchDecodeEngine(model, engineOptions)) PlainDecodeLoop.Warm(warm);

        var useCpu = options.EffectiveClock == CalibrationClock.ThreadCpu;
        var seconds = points.Select(_ => new List<double>()).ToArray();
        var wall = points.Select(_ => new List<double>()).ToArray();
        var kv = points.Select(_ => new List<double>()).ToArray();
        var done = 0;
        for (var round = 0; round < options.Rounds; round++)
        {
            foreach (var p in RoundOrder(points.Count, round))
            {
                var (n, total) = points[p];
                using var engine = new TorchDecodeEngine(model, engineOptions);
                var lengths = SplitLengths(total, n, maxLength, DeterministicRandom.For(options.Seed, p * 1000 + round));
                for (var i = 0; i < n; i++) engine.Admit(i, lengths[i]);
                for (var s = 0; s < options.WarmupSteps; s++) engine.Step();
                for (var s = 0; s < options.StepsPerRound; s++)
                {
                    var step = engine.Step();
                    seconds[p].Add(useCpu ? step.CpuSeconds : step.ComputeSeconds);
                    wall[p].Add(step.ComputeSeconds);
                    kv[p].Add(step.KvTokensBefore);
                }
                progress?.Report(new CalibrationProgress(++done, options.Rounds * points.Count, round, n, total, Median(seconds[p])));
            }
        }

        var samples = new CalibrationSample[points.Count];
        for (var p = 0; p < points.Count; p++)
            samples[p] = new CalibrationSample(points[p].Requests, kv[p].Average(), Median(seconds[p]), Median(wall[p]), seconds[p].Count);
        var fit = AffineFit.Fit(samples.Select(s => s.Requests).ToArray(), samples.Select(s => s.KvTokens).ToArray(),
            samples.Select(s => s.Seconds).ToArray());
        return new CalibrationResult(fit, samples, model.Config, options, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Round 0 in grid order, odd rounds reversed, later even rounds rotated.</summary>
    private static IEnumerable<int> RoundOrder(int count, int round)
    {
        for (var i = 0; i < count; i++)
            yield return round % 2 == 1 ? count - 1 - i : (i + round / 2 * (count / 3 + 1)) % count;
    }

    /// <summary>n mixed lengths (weights uniform in [0.25, 1.75]) summing to <paramref name="total"/>, each in [1, max].</summary>
    internal static int[] SplitLengths(int total, int n, int max, DeterministicRandom random)
    {
        var weights = new double[n];
        for (var i = 0; i < n; i++) weights[i] = 1 + 0.75 * random.NextSigned();
        var sum = weights.Sum();
        var lengths = new int[n];
        var assigned = 0;
        for (var i = 0; i < n; i++)
        {
            lengths[i] = Math.Clamp((int)Math.Round(total * weights[i] / sum), 1, max);
            assigned += lengths[i];
        }
        // Hand the rounding difference out one token at a time, within [1, max].
        for (var i = 0; assigned != total; i = (i + 1) % n)
        {
            if (assigned < total && lengths[i] < max) { lengths[i]++; assigned++; }
            else if (assigned > total && lengths[i] > 1) { lengths[i]--; assigned--; }
        }
        return lengths;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
