namespace Scheduler.Decode.Calibration;

/// <summary>Which clock times a step.</summary>
public enum CalibrationClock
{
    /// <summary>The decoding thread's CPU time: unaffected by other processes taking the cores (the default where available).</summary>
    ThreadCpu,

    /// <summary>Wall time (Stopwatch), what a step takes on this machine as loaded as it is.</summary>
    Wall,
}

/// <summary>
/// The measurement grid of <see cref="CalibrationRunner"/>: every (active requests n, total KV tokens ΣKV) pair
/// with 1 ≤ ΣKV/n ≤ <see cref="MaxMeanLength"/>. Each point is set up afresh in each of <see cref="Rounds"/>
/// rounds (points in a different order each round, so a burst of load from other processes spreads over many
/// points instead of skewing one), warmed for <see cref="WarmupSteps"/> and timed for <see cref="StepsPerRound"/>
/// steps; a point's time is the median of its timed steps.
/// </summary>
public sealed record CalibrationOptions
{
    /// <summary>Quick (about 3 s here): 19 points, 3 rounds of 5 timed steps.</summary>
    public static CalibrationOptions Default { get; } = new();

    /// <summary>Larger batches and caches, more repetitions: 69 points, about 30 s here.</summary>
    public static CalibrationOptions Large { get; } = new()
    {
        RequestCounts = [1, 2, 4, 8, 12, 16, 24, 32, 48, 64],
        KvTotals = [256, 1024, 2048, 4096, 8192, 16384, 32768, 65536],
        Rounds = 5,
        StepsPerRound = 8,
    };

    /// <summary>The engine to time; its prefill is always synthetic here (only the steps are timed).</summary>
    public TorchDecodeOptions Engine { get; init; } = TorchDecodeOptions.Default;

    public IReadOnlyList<int> RequestCounts { get; init; } = [1, 2, 4, 8, 16];
    public IReadOnlyList<int> KvTotals { get; init; } = [512, 2048, 8192, 16384, 32768];

    /// <summary>Points whose mean request length ΣKV/n exceeds this are left out: serving traces rarely hold one
    /// very long request alone, and past ~8k positions a request's cache no longer fits the CPU caches here.</summary>
    public int MaxMeanLength { get; init; } = 4096;

    public int Rounds { get; init; } = 3;
    public int WarmupSteps { get; init; } = 2;
    public int StepsPerRound { get; init; } = 5;

    /// <summary>The clock the fit uses; both are recorded. <see cref="CalibrationClock.ThreadCpu"/> falls back to wall time off Linux.</summary>
    public CalibrationClock Clock { get; init; } = CalibrationClock.ThreadCpu;

    /// <summary>Seed of the split of ΣKV into mixed request lengths.</summary>
    public long Seed { get; init; } = 11;

    public CalibrationOptions WithEngine(TorchDecodeOptions engine) => this with { Engine = engine };
    public CalibrationOptions WithGrid(IReadOnlyList<int> requestCounts, IReadOnlyList<int> kvTotals) =>
        this with { RequestCounts = requestCounts, KvTotals = kvTotals };
    public CalibrationOptions WithRepetitions(int rounds, int stepsPerRound) => this with { Rounds = rounds, StepsPerRound = stepsPerRound };
    public CalibrationOptions WithClock(CalibrationClock clock) => this with { Clock = clock };

    /// <summary>The clock actually used: thread CPU time only where the platform has it.</summary>
    public CalibrationClock EffectiveClock => Clock == CalibrationClock.ThreadCpu && !ThreadCpuClock.IsAvailable ? CalibrationClock.Wall : Clock;

    /// <summary>The grid's points in row order (n outer, ΣKV inner).</summary>
    public IReadOnlyList<(int Requests, int KvTokens)> Points()
    {
        var points = new List<(int, int)>();
        foreach (var n in RequestCounts.Distinct().Order())
        foreach (var kv in KvTotals.Distinct().Order())
            if (kv >= n && kv <= (long)n * MaxMeanLength)
                points.Add((n, kv));
        return points;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public CalibrationOptions Validate()
    {
        if (RequestCounts.Count == 0 || RequestCounts.Any(n => n < 1)) throw new ArgumentException("request counts must be positive");
        if (KvTotals.Count == 0 || KvTotals.Any(kv => kv < 1)) throw new ArgumentException("KV totals must be positive");
        if (Rounds < 1 || StepsPerRound < 1 || WarmupSteps < 0) throw new ArgumentException("rounds and steps per round must be positive");
        if (MaxMeanLength < 1) throw new ArgumentException("max mean length must be positive");
        var points = Points();
        if (points.Select(p => p.Requests).Distinct().Count() < 2 || points.Select(p => p.KvTokens).Distinct().Count() < 2 || points.Count < 4)
            throw new ArgumentException($"the grid has {points.Count} usable points; the fit needs at least 4 with both n and ΣKV varying");
        return this;
    }
}
