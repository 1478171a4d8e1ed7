namespace Scheduler.Core.Policies.Production;

/// <summary>The production baselines of SPEC §4 by name, as --policy takes them.</summary>
public static class ProductionPolicies
{
    public const string Vllm = "vllm";
    public const string SglangRequests = "sglang-requests";
    public const string SglangTokens = "sglang-tokens";
    public const string Trtllm = "trtllm";
    public const string PowerOfTwoChoices = "p2c";
    public const string Random = "random";

    public static IReadOnlyList<string> Names { get; } =
        Array.AsReadOnly([Vllm, SglangRequests, SglangTokens, Trtllm, PowerOfTwoChoices, Random]);

    /// <summary>Creates the named baseline. <paramref name="staleSeconds"/> is how old its load snapshot may
    /// grow (0: current on every call; random reads no load and ignores it); <paramref name="seed"/> seeds
    /// p2c and random.</summary>
    public static IPlacementPolicy Create(string name, double staleSeconds = 0, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(name);
        // Checked here too so a bad value fails for random, which has no snapshot to reject it.
        if (!double.IsFinite(staleSeconds) || staleSeconds < 0)
            throw new ArgumentOutOfRangeException(nameof(staleSeconds), staleSeconds, "staleness must be a finite number of seconds ≥ 0");
        return name switch
        {
            Vllm => new VllmPolicy(name, staleSeconds),
            SglangRequests => new SglangRequestsPolicy(name, staleSeconds),
            SglangTokens => new SglangTokensPolicy(name, staleSeconds),
            Trtllm => new TrtllmPolicy(name, staleSeconds),
            PowerOfTwoChoices => new PowerOfTwoChoicesPolicy(name, staleSeconds, seed),
            Random => new RandomPolicy(name, seed),
            _ => throw new ArgumentException(
                $"unknown production policy '{name}'; expected one of: {string.Join(", ", Names)}", nameof(name)),
        };
    }
}
