namespace Scheduler.Core.Model;

/// <summary>G data-parallel ranks, each holding at most B active requests.</summary>
public sealed record ClusterShape(int Ranks, int BatchSize)
{
    public int Ranks { get; } = Ranks > 0 ? Ranks : throw new ArgumentOutOfRangeException(nameof(Ranks), Ranks, "ranks must be positive");
    public int BatchSize { get; } = BatchSize > 0 ? BatchSize : throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "batch size must be positive");

    /// <summary>The reference simulator reveals at most 4·G queued requests to the policy.</summary>
    public int RevealWindow => 4 * Ranks;
}
