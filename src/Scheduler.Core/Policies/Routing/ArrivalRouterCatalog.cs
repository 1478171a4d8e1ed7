using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Policies.Routing;

/// <summary>
/// The routers that bind on arrival (<see cref="Model.BindingMode.Arrival"/>), by the names of the policies they are
/// the native form of: with arrival binding <c>--policy vllm</c> runs vLLM's router, and so on. Parameters use the
/// policies' <c>name:key=value</c> syntax and any key a router does not read is refused. A pool policy without an
/// arrival form (fcfs, jsq, bfio-ref) is an error naming it.
/// </summary>
/// <remarks>
/// The per-name configuration sections (<c>scheduler.policies.NAME</c>, <see cref="PolicyDefaults.Configured"/>) are
/// the pool policies' and are not applied here; a router's own keys come from its spec. <c>--stale</c> (the run-wide
/// <see cref="PolicyDefaults.StaleSeconds"/>) overrides a router's native snapshot lag when it is above 0.
/// </remarks>
public static class ArrivalRouterCatalog
{
    /// <summary>BF-IO's arrival form, <see cref="BfioRouter"/>.</summary>
    public const string Bfio = "bfio";

    private static readonly List<(string Name, string Summary, Func<PolicyParameters, PolicyDefaults, IArrivalRouter> Create)> Entries =
    [
        ("vllm", "vLLM's DP router: min 4·waiting + running, snapshots every 100 ms plus local increments (stale=, default 0.1)",
            (p, d) => new VllmRouter(p.Text, Stale(p, d, VllmRouter.DefaultStaleSeconds))),
        ("sglang-requests", "SGLang's DP controller: min running + waiting requests (stale=, default 0.1)",
            (p, d) => new SglangRequestsRouter(p.Text, Stale(p, d, SglangRequestsRouter.DefaultStaleSeconds))),
        ("sglang-tokens", "SGLang's DP controller: min KV tokens incl. queued prompts, then requests (stale=, default 0.1)",
            (p, d) => new SglangTokensRouter(p.Text, Stale(p, d, SglangTokensRouter.DefaultStaleSeconds))),
        ("trtllm", "TensorRT-LLM's attention-DP rule per arrival: min prompt tokens under the equal-count cap (stale=, default 0)",
            (p, d) => new TrtllmRouter(p.Text, Stale(p, d, 0.0))),
        ("p2c", "power of two random choices by KV tokens incl. queued prompts (stale=, default 0; seed=)",
            (p, d) => new PowerOfTwoChoicesRouter(p.Text, Stale(p, d, 0.0), p.Int("seed", d.Seed))),
        ("round-robin", "ranks 0, 1, …, G−1 in turn, the pointer kept across calls",
            (p, _) => new RoundRobinRouter(p.Text)),
        ("random", "uniformly random rank (seed=)",
            (p, d) => new RandomRouter(p.Text, p.Int("seed", d.Seed))),
        (Bfio, "BF-IO at arrival: the rank where the request adds the least predicted imbalance over the horizon, each rank's " +
            "future simulated FIFO with drift, the arrivals still to come as a water level on the lowest ranks, one row per doubling of the steps ahead; predictor=oracle|noisy|none|online|running-oracle (analysis: true remaining lengths of running requests only), noise=δ, seed, h=H in steps (default 2048), wait (share of the earliest start a request may wait beyond it for a better rank, default 0.5)",
            CreateBfio),
    ];

    private static IArrivalRouter CreateBfio(PolicyParameters p, PolicyDefaults d)
    {
        // h is the router's own: its horizon spans request lifetimes, not the pool policy's few steps (--horizon).
        var horizon = p.Int("h", BfioRouter.DefaultHorizon, min: 1, max: 1 << 20);
        var predictor = p.Choice("predictor", d.Predictor, PredictorCatalog.Names);
        var noise = p.Double("noise", d.Noise, min: 0.0, max: 1.0);
        var seed = p.Int("seed", d.Seed);
        var wait = p.Double("wait", BfioRouter.DefaultStartSlack, min: 0.0);
        return new BfioRouter(PredictorCatalog.Create(predictor, noise, seed), horizon, wait, p.Text);
    }

    private static double Stale(PolicyParameters p, PolicyDefaults d, double native) =>
        p.Double("stale", d.StaleSeconds > 0 ? d.StaleSeconds : native, min: 0.0);

    public static IReadOnlyList<string> Names => Entries.Select(e => e.Name).ToArray();

    public static IEnumerable<(string Name, string Summary)> Describe() => Entries.Select(e => (e.Name, e.Summary));

    /// <summary>Whether <paramref name="name"/> (a policy name) has an arrival form.</summary>
    public static bool Has(string name) => Entries.Exists(e => e.Name == name);

    /// <summary>
    /// A new router for <paramref name="spec"/>. An unknown name, a policy with no arrival form, an unknown key or a
    /// bad value is an <see cref="ArgumentException"/> whose one-line message names the policy (and the key).
    /// </summary>
    public static IArrivalRouter Create(PolicySpec spec, PolicyDefaults defaults)
    {
        foreach (var entry in Entries)
        {
            if (entry.Name != spec.Name) continue;
            var parameters = new PolicyParameters(spec);
            var router = entry.Create(parameters, defaults);
            parameters.RejectUnknown();
            // Compiled before its first decision by a twin from the same spec (see PolicyWarmUp).
            PolicyWarmUp.Once(router.GetType(), router.Name, () => entry.Create(new PolicyParameters(spec), defaults));
            return router;
        }
        if (PolicyCatalog.Names.Contains(spec.Name))
            throw new ArgumentException($"policy '{spec.Text}' has no arrival form (it places from a pool); with arrival binding use one of: {string.Join(", ", Names)}");
        throw new ArgumentException($"unknown policy '{spec.Text}'; with arrival binding use one of: {string.Join(", ", Names)}");
    }

    public static IArrivalRouter Create(string spec, PolicyDefaults? defaults = null) =>
        Create(PolicySpec.Parse(spec), defaults ?? new PolicyDefaults());
}
