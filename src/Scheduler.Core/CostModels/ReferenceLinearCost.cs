using Scheduler.Core.Policies;

namespace Scheduler.Core.CostModels;

/// <summary>The reference simulator's step time: C + t_len · L_g.</summary>
public sealed record ReferenceLinearCost(double OverheadSeconds, double TokenSeconds) : IStepCostModel
{
    public static ReferenceLinearCost ForBatch(int batchSize) =>
        new(ReferenceConstants.StepOverheadSeconds(batchSize), ReferenceConstants.TokenSeconds);

    public string Describe() => $"linear C={OverheadSeconds:G6}s t_len={TokenSeconds:G6}s/token";

    public double RankSeconds(int activeRequests, long load) => OverheadSeconds + TokenSeconds * load;
}
