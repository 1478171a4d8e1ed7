using Scheduler.Core.Policies.Bfio;
using Scheduler.Core.Policies.Production;

namespace Scheduler.Core.Policies;

/// <summary>Every policy the simulator and runtime know, by name. A new instance per run.</summary>
public static class PolicyCatalog
{
    private static readonly List<(string Name, string Summary, Func<PolicySpec, PolicyDefaults, IPlacementPolicy> Create)> Entries =
    [
        ("fcfs", "first come first served, rank 0 filled first (reference)", (s, _) => new FcfsPolicy(s.Text)),
        ("jsq", "join the shortest queue by tokens (reference)", (s, _) => new JoinShortestQueuePolicy(s.Text)),
        ("round-robin", "round robin from rank 0 on every call (reference)", (s, _) => new RoundRobinPolicy(s.Text)),
        ("bfio-ref", "the paper's BF-IO as its simulator implements it; h=H (default --horizon)",
            (s, d) => new ReferenceBfioPolicy(s.GetInt("h", d.Horizon), s.Text)),
        ("vllm", "vLLM's DP balancer: min 4·waiting + running, rotating scan (stale= seconds)",
            (s, d) => new VllmPolicy(s.Text, s.GetDouble("stale", d.StaleSeconds))),
        ("sglang-requests", "SGLang: min running + waiting requests (stale=)",
            (s, d) => new SglangRequestsPolicy(s.Text, s.GetDouble("stale", d.StaleSeconds))),
        ("sglang-tokens", "SGLang: min KV tokens incl. generated + queued prompts (stale=)",
            (s, d) => new SglangTokensPolicy(s.Text, s.GetDouble("stale", d.StaleSeconds))),
        ("trtllm", "TensorRT-LLM: longest prompt first onto min prompt tokens, equal-count cap (stale=)",
            (s, d) => new TrtllmPolicy(s.Text, s.GetDouble("stale", d.StaleSeconds))),
        ("p2c", "power of two random choices by KV tokens (stale=, seed=)",
            (s, d) => new PowerOfTwoChoicesPolicy(s.Text, s.GetDouble("stale", d.StaleSeconds), s.GetInt("seed", d.Seed))),
        ("random", "uniformly random rank with a free slot (seed=)",
            (s, d) => new RandomPolicy(s.Text, s.GetInt("seed", d.Seed))),
        ("bfio", "BF-IO solved properly: drift-aware projection, greedy + exchange solver; predictor=oracle|noisy|none|online, " +
            "noise=δ, h=H (default 16), w0, decay, mass (κ in G·max − κ·ΣL, default 1), select (share of the surplus candidates kept, lightest first; -1 = all; default 0.35), " +
            "window, aging, reserve (steps an oversize request waits before a rank is held for it; 0 = at once, -1 = never), oversize (share of the envelope a request must overshoot by to count as oversize, default 0.2), maxwait, sweeps, budget (exchange work per call in rows evaluated, 0 = no limit), sample (1 = rows 0,1,2,4,…,H; 0 = all), seed",
            (s, d) => CreateBfio(s, d)),
    ];

    private static IPlacementPolicy CreateBfio(PolicySpec spec, PolicyDefaults defaults)
    {
        var settings = new BfioSettings
        {
            Horizon = spec.GetInt("h", defaults.BfioHorizon),
            NowWeight = spec.GetDouble("w0", new BfioSettings().NowWeight),
            Decay = spec.GetDouble("decay", new BfioSettings().Decay),
            MassWeight = spec.GetDouble("mass", new BfioSettings().MassWeight),
            SelectSlack = spec.GetDouble("select", new BfioSettings().SelectSlack),
            Window = spec.GetInt("window", 0),
            AgingSteps = spec.GetInt("aging", new BfioSettings().AgingSteps),
            ReserveAfterSteps = spec.GetInt("reserve", new BfioSettings().ReserveAfterSteps),
            OversizeShare = spec.GetDouble("oversize", new BfioSettings().OversizeShare),
            MaxWaitSteps = spec.GetInt("maxwait", new BfioSettings().MaxWaitSteps),
            ExchangeSweeps = spec.GetInt("sweeps", new BfioSettings().ExchangeSweeps),
            ExchangeBudget = spec.GetInt("budget", new BfioSettings().ExchangeBudget),
            SampleRows = spec.GetInt("sample", new BfioSettings().SampleRows ? 1 : 0) != 0,
        };
        var predictorName = spec.Parameters.TryGetValue("predictor", out var p) ? p : defaults.Predictor;
        var predictor = PredictorCatalog.Create(predictorName, spec.GetDouble("noise", defaults.Noise), spec.GetInt("seed", defaults.Seed));
        return new BfioPolicy(settings, predictor, spec.Text);
    }

    public static IReadOnlyList<string> Names => Entries.Select(e => e.Name).ToArray();

    public static IEnumerable<(string Name, string Summary)> Describe() => Entries.Select(e => (e.Name, e.Summary));

    public static IPlacementPolicy Create(PolicySpec spec, PolicyDefaults defaults)
    {
        foreach (var entry in Entries)
            if (entry.Name == spec.Name) return entry.Create(spec, defaults);
        throw new ArgumentException($"unknown policy '{spec.Text}'; known: {string.Join(", ", Names)}");
    }

    public static IPlacementPolicy Create(string spec, PolicyDefaults? defaults = null) =>
        Create(PolicySpec.Parse(spec), defaults ?? new PolicyDefaults());
}
