namespace Scheduler.Core.Policies;

/// <summary>Run-wide settings a policy picks up unless its spec overrides them.</summary>
public sealed record PolicyDefaults
{
    /// <summary>BF-IO lookahead in steps (bfio-ref: 72; 0 = the H=0 variant).</summary>
    public int Horizon { get; init; } = ReferenceConstants.BfioDefaultHorizon;

    /// <summary>bfio's lookahead in steps (its own default; bfio-ref keeps <see cref="Horizon"/>).</summary>
    public int BfioHorizon { get; init; } = Bfio.BfioSettings.DefaultHorizon;

    /// <summary>bfio's output-length predictor: oracle (the workload's ô), noisy, none or online.</summary>
    public string Predictor { get; init; } = "oracle";

    /// <summary>δ of the noisy predictor: ô · U[1 − δ, 1 + δ].</summary>
    public double Noise { get; init; } = 0.2;

    /// <summary>Age in simulated seconds of the load snapshots production baselines read (0 = live).</summary>
    public double StaleSeconds { get; init; }

    /// <summary>Seed for randomised policies.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Parameters configured per policy name (HOCON <c>scheduler.policies.NAME.KEY</c>): under a spec's own
    /// parameters, over every other default here. Keys as in a spec (h, predictor, …).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Configured { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();
}
