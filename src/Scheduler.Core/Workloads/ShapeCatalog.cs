namespace Scheduler.Core.Workloads;

/// <summary>
/// The named workload shapes. Each states where its numbers come from; docs/workload-shapes.md lists them with the
/// statistics of a generated sample. Chat and bursty are fitted to the traces shipped in data/traces (median and 90th
/// percentile of a lognormal matched to the trace's); the others follow the ranges issue 12 names for workloads the
/// team had not tuned on.
/// </summary>
public static class ShapeCatalog
{
    public static WorkloadShape Chat { get; } = new("chat", "short prompts and outputs (conversation)",
        "Azure LLM inference trace 2023, conversation (data/traces/azure-llm-2023-conv.csv, 19,366 requests): prompt p50 1,020, " +
        "p90 2,734, max 14,050; output p50 129, p90 424, max 1,000",
        [new("chat", new LogNormalLengths(1020, 0.77, 16, 16384), new LogNormalLengths(129, 0.93, 8, 1024))]);

    public static WorkloadShape Bursty { get; } = new("bursty", "BurstGPT-like lengths, bursty (Gamma) arrivals",
        "BurstGPT sample shipped with the paper's simulator (data/traces/burstgpt-8000.json): prompt p50 217, p90 626, p99 2,992; " +
        "output p50 7, mean 57, p90 149; arrivals Gamma with CV 2 (BurstGPT reports bursty, Gamma-shaped inter-arrivals)",
        [new("bursty", new LogNormalLengths(217, 1.0, 8, 16384), new LogNormalLengths(7, 2.0, 1, 4096))], ArrivalCv: 2.0);

    public static WorkloadShape LongContext { get; } = new("long-context", "prompts 4k–128k, heavy-tailed; outputs 50–500",
        "issue 12's long-context conversations (prompt median ~7k, mean ~12k, up to 126k; output median ~350): Pareto prompts " +
        "(median 4,096·2^(1/1.3) ≈ 6.9k), lognormal outputs",
        [new("long-context", new ParetoLengths(4096, 1.3, 4096, 131072), new LogNormalLengths(300, 0.5, 50, 500))]);

    public static WorkloadShape Code { get; } = new("code", "code completion: prompts 1k–8k, outputs 5–50",
        "issue 12's code completion (prompts up to ~7.4k, mean ~2k; outputs mostly a few tokens, mean 28), outputs bounded to 5–50",
        [new("code", new LogNormalLengths(1800, 0.6, 1024, 8192), new LogNormalLengths(18, 0.6, 5, 50))]);

    public static WorkloadShape LongGeneration { get; } = new("long-generation", "prompts under 1k, outputs 1k–16k heavy-tailed",
        "long-form and reasoning generation: short prompts, Pareto outputs from 1k (median 1,000·2^(1/1.5) ≈ 1.6k) up to 16k",
        [new("long-generation", new LogNormalLengths(250, 0.8, 16, 1023), new ParetoLengths(1000, 1.5, 1000, 16384))]);

    public static WorkloadShape Mixed { get; } = new("mixed", "a blend whose mix drifts: chat and code early, long requests late",
        "the four shapes above, each request's kind drawn with shares that move linearly from the first request to the last " +
        "(chat 55% → 15%, code 30% → 15%, long-context 5% → 35%, long-generation 10% → 35%)",
        [
            Chat.Components[0] with { StartShare = 0.55, EndShare = 0.15 },
            Code.Components[0] with { StartShare = 0.30, EndShare = 0.15 },
            LongContext.Components[0] with { StartShare = 0.05, EndShare = 0.35 },
            LongGeneration.Components[0] with { StartShare = 0.10, EndShare = 0.35 },
        ]);

    public static IReadOnlyList<WorkloadShape> All { get; } = [Chat, Bursty, LongContext, Code, LongGeneration, Mixed];

    public static IReadOnlyList<string> Names { get; } = All.Select(s => s.Name).ToArray();

    public static WorkloadShape Get(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown workload shape '{name}'; known: {string.Join(", ", Names)}");
}
