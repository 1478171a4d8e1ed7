using Scheduler.Core.Model;

namespace Scheduler.Runtime.Ingestion;

/// <summary>
/// A seeded request generator: prompt and output lengths uniform in their ranges, the predictor exact
/// (ô = o), and Poisson arrivals at <see cref="RatePerSecond"/> (0: everything at t=0, backlogged).
/// The same spec always yields the same requests, so a run can be checked against the simulator.
/// </summary>
public sealed record SyntheticWorkload(int Count, int Seed = 1)
{
    public int Count { get; } = Count > 0 ? Count : throw new ArgumentOutOfRangeException(nameof(Count), Count, "count must be positive");
    public int PromptMin { get; init; } = 16;
    public int PromptMax { get; init; } = 2048;
    public int OutputMin { get; init; } = 1;
    public int OutputMax { get; init; } = 512;
    public double RatePerSecond { get; init; }

    public IEnumerable<Request> Generate()
    {
        if (PromptMin <= 0 || PromptMax < PromptMin) throw new ArgumentException($"prompt range [{PromptMin}, {PromptMax}] is empty or not positive");
        if (OutputMin <= 0 || OutputMax < OutputMin) throw new ArgumentException($"output range [{OutputMin}, {OutputMax}] is empty or not positive");
        if (RatePerSecond < 0 || !double.IsFinite(RatePerSecond)) throw new ArgumentException($"rate {RatePerSecond} must be a finite number ≥ 0");
        var random = new Random(Seed);
        var clock = 0.0;
        for (var i = 0; i < Count; i++)
        {
            if (RatePerSecond > 0) clock += -Math.Log(1.0 - random.NextDouble()) / RatePerSecond;
            var prompt = random.Next(PromptMin, PromptMax + 1);
            var output = random.Next(OutputMin, OutputMax + 1);
            yield return new Request(i, prompt, output, output, clock);
        }
    }

    public Workload ToWorkload() => new(Generate(), Describe());

    public string Describe() =>
        $"synthetic n={Count} seed={Seed} prompt=[{PromptMin},{PromptMax}] output=[{OutputMin},{OutputMax}] rate={RatePerSecond}/s";
}
