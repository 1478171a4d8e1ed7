namespace Scheduler.Core.Workloads;

/// <summary>
/// One kind of request in a shape: its prompt and output lengths, and its share of the requests at the start and at
/// the end of the workload (the share moves linearly in between, so a blend can drift).
/// </summary>
public sealed record ShapeComponent(string Name, LengthDistribution Prompt, LengthDistribution Output, double StartShare = 1.0, double EndShare = 1.0)
{
    /// <summary>The component's weight at relative position <paramref name="position"/> ∈ [0, 1] of the workload.</summary>
    public double ShareAt(double position) => StartShare + (EndShare - StartShare) * position;
}
