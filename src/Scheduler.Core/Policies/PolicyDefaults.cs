namespace Scheduler.Core.Policies;

/// <summary>Run-wide settings a policy picks up unless its spec overrides them.</summary>
public sealed record PolicyDefaults
{
    /// <summary>BF-IO lookahead in steps (bfio-ref: 72; 0 = the H=0 variant).</summary>
    public int Horizon { get; init; } = ReferenceConstants.BfioDefaultHorizon;

    /// <summary>Age in simulated seconds of the load snapshots production baselines read (0 = live).</summary>
    public double StaleSeconds { get; init; }

    /// <summary>Seed for randomised policies.</summary>
    public int Seed { get; init; } = 1;
}
