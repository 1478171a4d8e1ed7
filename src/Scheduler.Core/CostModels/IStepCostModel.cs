namespace Scheduler.Core.CostModels;

/// <summary>Seconds one rank needs for one decode step given its active request count n_g and load L_g.
/// The step lasts as long as the slowest rank (the barrier).</summary>
public interface IStepCostModel
{
    string Describe();

    double RankSeconds(int activeRequests, long load);
}
