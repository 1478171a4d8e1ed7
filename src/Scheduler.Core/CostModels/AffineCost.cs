namespace Scheduler.Core.CostModels;

/// <summary>A fitted decode-step time α + β·n_g + γ·L_g (seconds): fixed cost, per-request cost, per-KV-token cost.</summary>
public sealed record AffineCost(double Alpha, double Beta, double Gamma) : IStepCostModel
{
    public string Describe() => $"affine α={Alpha:G6}s β={Beta:G6}s/request γ={Gamma:G6}s/token";

    public double RankSeconds(int activeRequests, long load) => Alpha + Beta * activeRequests + Gamma * load;
}
