using System.Diagnostics;

namespace Scheduler.Decode;

/// <summary>A request for a decode run: prompt length and how many decode steps it takes part in.</summary>
public readonly record struct DecodeRequest(int Id, int PromptTokens, int OutputTokens);

/// <summary>Settings of <see cref="PlainDecodeLoop.Run"/>.</summary>
public sealed record PlainLoopOptions
{
    public TorchDecodeOptions Engine { get; init; } = TorchDecodeOptions.Default;

    /// <summary>Most requests active at once (the rank's B).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Admitted in this order as slots free up.</summary>
    public IReadOnlyList<DecodeRequest> Requests { get; init; } = MixedRequests(64, seed: 1);

    public PlainLoopOptions WithEngine(TorchDecodeOptions engine) => this with { Engine = engine };
    public PlainLoopOptions WithBatchSize(int batchSize) => this with { BatchSize = batchSize };
    public PlainLoopOptions WithRequests(IReadOnlyList<DecodeRequest> requests) => this with { Requests = requests };

    /// <summary>Requests with prompts uniform in [minPrompt, maxPrompt] and outputs uniform in [minOutput, maxOutput].</summary>
    public static IReadOnlyList<DecodeRequest> MixedRequests(int count, long seed,
        int minPrompt = 64, int maxPrompt = 2048, int minOutput = 32, int maxOutput = 256)
    {
        var random = DeterministicRandom.For(seed, -1);
        var requests = new DecodeRequest[count];
        for (var i = 0; i < count; i++)
            requests[i] = new DecodeRequest(i,
                minPrompt + random.NextInt(maxPrompt - minPrompt + 1),
                minOutput + random.NextInt(maxOutput - minOutput + 1));
        return requests;
    }
}

/// <summary>
/// What a plain run took. <see cref="StepSeconds"/> sums the steps' own measured wall time (prefill excluded),
/// <see cref="StepCpuSeconds"/> the decoding thread's CPU time over the same steps (steady when other processes
/// load the machine; NaN off Linux); <see cref="WallSeconds"/> is the whole loop from the first admission to the
/// last release, prefills and bookkeeping included, the figure a runtime's wall time compares against. Rates per
/// second of step time, of step CPU time and of wall time.
/// </summary>
public sealed record PlainLoopResult(
    int Requests, int Steps, long Tokens, double StepSeconds, double StepCpuSeconds, double PrefillSeconds, double WallSeconds)
{
    public double StepsPerSecond => Steps / StepSeconds;
    public double TokensPerSecond => Tokens / StepSeconds;
    public double CpuStepsPerSecond => Steps / StepCpuSeconds;
    public double CpuTokensPerSecond => Tokens / StepCpuSeconds;
    public double WallStepsPerSecond => Steps / WallSeconds;
    public double WallTokensPerSecond => Tokens / WallSeconds;
    public double MeanActive => Steps == 0 ? 0 : (double)Tokens / Steps;

    public override string ToString() =>
        $"{Requests} requests, {Steps} steps, {Tokens} tokens (mean batch {MeanActive:F1}): " +
        $"steps {StepSeconds:F3} s → {StepsPerSecond:F1} steps/s, {TokensPerSecond:F0} tokens/s " +
        $"(CPU {StepCpuSeconds:F3} s → {CpuStepsPerSecond:F1} steps/s, {CpuTokensPerSecond:F0} tokens/s); " +
        $"prefill {PrefillSeconds:F3} s; wall {WallSeconds:F3} s → {WallStepsPerSecond:F1} steps/s, {WallTokensPerSecond:F0} tokens/s";
}

/// <summary>
/// One rank's decode without actors or messages: admit in order into free slots, step, release requests that
/// have taken part in <see cref="DecodeRequest.OutputTokens"/> steps, refill, until every request is done.
/// The baseline the actor runtime's overhead is measured against.
/// </summary>
public static class PlainDecodeLoop
{
    public static PlainLoopResult Run(PlainLoopOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        foreach (var r in options.Requests)
            if (r.PromptTokens < 1 || r.OutputTokens < 1)
                throw new ArgumentException($"request {r.Id}: prompt and output lengths must be positive");

        using var engine = new TorchDecodeEngine(options.Engine);
        Warm(engine);

        var requests = options.Requests;
        var remaining = new Dictionary<long, int>(requests.Count);
        var next = 0;
        var steps = 0;
        long tokens = 0;
        double stepSeconds = 0, stepCpuSeconds = 0, prefillSeconds = 0;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            while (engine.ActiveCount < options.BatchSize && next < requests.Count)
            {
                var r = requests[next++];
                prefillSeconds += engine.Admit(r.Id, r.PromptTokens).PrefillSeconds;
                remaining[r.Id] = r.OutputTokens;
            }
            if (engine.ActiveCount == 0) break;
            var step = engine.Step();
            steps++;
            tokens += step.Tokens.Length;
            stepSeconds += step.ComputeSeconds;
            stepCpuSeconds += step.CpuSeconds;
            foreach (var token in step.Tokens)
                if (--remaining[token.RequestId] == 0) engine.Release(token.RequestId);
        }
        var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new PlainLoopResult(requests.Count, steps, tokens, stepSeconds, stepCpuSeconds, prefillSeconds, wall);
    }

    /// <summary>A few steps on a throwaway request so JIT and allocator warm-up stay out of the timings.</summary>
    internal static void Warm(TorchDecodeEngine engine)
    {
        const int id = int.MinValue;
        engine.Admit(id, 8);
        for (var i = 0; i < 3; i++) engine.Step();
        engine.Release(id);
    }
}
