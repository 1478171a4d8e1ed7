namespace Scheduler.Core.Sweeps;

/// <summary>
/// The paper's H=0 guarantee: BF-IO improves the long-run imbalance over FCFS by Ω(√(B·ln G)).
/// This compares a measured FCFS/BF-IO ratio with that scale.
/// </summary>
public static class ImbalanceRatio
{
    public static double TheoryScale(int ranks, int batch) => Math.Sqrt(batch * Math.Log(Math.Max(ranks, 2)));

    public static double Ratio(double baselineImbalance, double policyImbalance) =>
        policyImbalance > 0 ? baselineImbalance / policyImbalance : double.PositiveInfinity;
}
