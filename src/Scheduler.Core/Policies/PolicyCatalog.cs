using Scheduler.Core.Policies.Bfio;
using Scheduler.Core.Policies.Production;

namespace Scheduler.Core.Policies;

/// <summary>
/// Every policy the simulator and runtime know, by name. A new instance per run. Each factory reads its parameters
/// through <see cref="PolicyParameters"/> (type and range checked), and any key it did not read is refused. A policy is
/// compiled before its first decision (<see cref="PolicyWarmUp"/>).
/// </summary>
public static class PolicyCatalog
{
    private static readonly List<(string Name, string Summary, Func<PolicyParameters, PolicyDefaults, IPlacementPolicy> Create)> Entries =
    [
        ("fcfs", "first come first served, rank 0 filled first (reference)", (p, _) => new FcfsPolicy(p.Text)),
        ("jsq", "join the shortest queue by tokens (reference)", (p, _) => new JoinShortestQueuePolicy(p.Text)),
        ("round-robin", "round robin from rank 0 on every call (reference)", (p, _) => new RoundRobinPolicy(p.Text)),
        ("bfio-ref", "the paper's BF-IO as its simulator implements it; h=H (default --horizon)",
            (p, d) => new ReferenceBfioPolicy(p.Int("h", d.Horizon, min: 0), p.Text)),
        ("vllm", "vLLM's DP balancer: min 4·waiting + running, rotating scan (stale= seconds)",
            (p, d) => new VllmPolicy(p.Text, Stale(p, d))),
        ("sglang-requests", "SGLang: min running + waiting requests (stale=)",
            (p, d) => new SglangRequestsPolicy(p.Text, Stale(p, d))),
        ("sglang-tokens", "SGLang: min KV tokens incl. generated + queued prompts (stale=)",
            (p, d) => new SglangTokensPolicy(p.Text, Stale(p, d))),
        ("trtllm", "TensorRT-LLM: longest prompt first onto min prompt tokens, equal-count cap (stale=)",
            (p, d) => new TrtllmPolicy(p.Text, Stale(p, d))),
        ("p2c", "power of two random choices by KV tokens (stale=, seed=)",
            (p, d) => new PowerOfTwoChoicesPolicy(p.Text, Stale(p, d), p.Int("seed", d.Seed))),
        ("random", "uniformly random rank with a free slot (seed=)",
            (p, d) => new RandomPolicy(p.Text, p.Int("seed", d.Seed))),
        ("bfio", "BF-IO solved properly: drift-aware projection, greedy + exchange solver; predictor=oracle|noisy|none|online|running-oracle (analysis: true remaining lengths of running requests only), " +
            "noise=δ, h=H (default 16), w0, decay, mass (κ in G·max − κ·ΣL, default 1), select (share of the surplus candidates kept, lightest first; -1 = all; default 0.35), " +
            "window, aging, turnovers (the wait bound in mean request lifetimes, if longer than maxwait; 0 = steps only), reserve (steps an oversize request waits before a rank is held for it; 0 = at once, -1 = never), oversize (share of the envelope a request must overshoot by to count as oversize, default 0.2), maxwait, sweeps, budget (exchange work per call in exchanges evaluated, default 2667, for up to 32 ranks and in proportion beyond; 0 = no limit), sample (1 = rows 0,1,2,4,…,H; 0 = all), route, refill, life, pace (1 = horizon and decay paced by the departures per rank per step p: decay e^(−p), rows to 4/p, never below h and decay; 0 = h and decay as set), seed",
            CreateBfio),
    ];

    private static double Stale(PolicyParameters p, PolicyDefaults d) => p.Double("stale", d.StaleSeconds, min: 0.0);

    private static IPlacementPolicy CreateBfio(PolicyParameters p, PolicyDefaults defaults)
    {
        var fallback = new BfioSettings();
        // Ranges are BfioSettings.Validate's (one place for them); its error names the key, mapped to where it was set.
        var settings = new BfioSettings
        {
            Horizon = p.Int("h", defaults.BfioHorizon),
            NowWeight = p.Double("w0", fallback.NowWeight),
            Decay = p.Double("decay", fallback.Decay),
            MassWeight = p.Double("mass", fallback.MassWeight),
            SelectSlack = p.Double("select", fallback.SelectSlack),
            Window = p.Int("window", fallback.Window),
            AgingSteps = p.Int("aging", fallback.AgingSteps),
            ReserveAfterSteps = p.Int("reserve", fallback.ReserveAfterSteps),
            OversizeShare = p.Double("oversize", fallback.OversizeShare),
            MaxWaitSteps = p.Int("maxwait", fallback.MaxWaitSteps),
            MaxWaitTurnovers = p.Double("turnovers", fallback.MaxWaitTurnovers),
            ExchangeSweeps = p.Int("sweeps", fallback.ExchangeSweeps),
            ExchangeBudget = p.Int("budget", fallback.ExchangeBudget),
            SampleRows = p.Int("sample", fallback.SampleRows ? 1 : 0, min: 0, max: 1) != 0,
            RouteFew = p.Int("route", fallback.RouteFew ? 1 : 0, min: 0, max: 1) != 0,
            Refill = p.Int("refill", fallback.Refill ? 1 : 0, min: 0, max: 1) != 0,
            LifeRows = p.Int("life", fallback.LifeRows ? 1 : 0, min: 0, max: 1) != 0,
            Pace = p.Int("pace", fallback.Pace ? 1 : 0, min: 0, max: 1) != 0,
        };
        try { settings.Validate(); }
        catch (PolicyParameterException e) { throw p.Invalid(e.Key, e.Rule); }
        var predictorName = p.Choice("predictor", defaults.Predictor, PredictorCatalog.Names);
        var noise = p.Double("noise", defaults.Noise, min: 0.0);
        var seed = p.Int("seed", defaults.Seed);
        return new BfioPolicy(settings, PredictorCatalog.Create(predictorName, noise, seed), p.Text);
    }

    public static IReadOnlyList<string> Names => Entries.Select(e => e.Name).ToArray();

    public static IEnumerable<(string Name, string Summary)> Describe() => Entries.Select(e => (e.Name, e.Summary));

    /// <summary>The keys <paramref name="name"/> takes (what its factory reads), in the order it reads them.</summary>
    public static IReadOnlyList<string> KeysOf(string name)
    {
        var spec = new PolicySpec(name, name, new Dictionary<string, string>());
        var parameters = new PolicyParameters(spec);
        Find(spec).Create(parameters, new PolicyDefaults());
        return parameters.Known;
    }

    /// <summary>
    /// A new policy for <paramref name="spec"/>. Its parameters: the spec's own, over <see cref="PolicyDefaults.Configured"/>
    /// for its name, over the rest of <paramref name="defaults"/>. An unknown policy, an unknown key or a bad value is a
    /// <see cref="ArgumentException"/> whose one-line message names the policy and the key.
    /// </summary>
    public static IPlacementPolicy Create(PolicySpec spec, PolicyDefaults defaults)
    {
        var entry = Find(spec);
        var configured = defaults.Configured.TryGetValue(spec.Name, out var section) ? section : null;
        var parameters = new PolicyParameters(spec, configured);
        var policy = entry.Create(parameters, defaults);
        parameters.RejectUnknown();
        // Compiled before its first decision by a twin from the same spec (bfio compiles itself, BfioPolicy's warm-up).
        if (policy is not BfioPolicy)
            PolicyWarmUp.Once(policy.GetType(), policy.Name, () => entry.Create(new PolicyParameters(spec, configured), defaults));
        return policy;
    }

    public static IPlacementPolicy Create(string spec, PolicyDefaults? defaults = null) =>
        Create(PolicySpec.Parse(spec), defaults ?? new PolicyDefaults());

    private static (string Name, string Summary, Func<PolicyParameters, PolicyDefaults, IPlacementPolicy> Create) Find(PolicySpec spec)
    {
        foreach (var entry in Entries)
            if (entry.Name == spec.Name) return entry;
        throw new ArgumentException($"unknown policy '{spec.Text}'; known: {string.Join(", ", Names)}");
    }
}
