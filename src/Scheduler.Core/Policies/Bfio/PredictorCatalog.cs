namespace Scheduler.Core.Policies.Bfio;

/// <summary>The output-length predictors by name (--predictor): oracle, noisy, none, online, and running-oracle for analysis.</summary>
public static class PredictorCatalog
{
    public static IReadOnlyList<string> Names { get; } = ["oracle", "noisy", "none", "online", "running-oracle"];

    /// <param name="noise">δ of the noisy predictor (ignored by the others).</param>
    /// <param name="seed">Seed of the noisy predictor's draws.</param>
    public static IOutputPredictor Create(string name, double noise, int seed) => name.ToLowerInvariant() switch
    {
        "oracle" => new OraclePredictor(),
        "noisy" => new NoisyPredictor(noise, seed),
        "none" => new NoLookaheadPredictor(),
        "online" => new OnlineSurvivalPredictor(),
        "running-oracle" => new RunningOraclePredictor(),
        _ => throw new ArgumentException($"unknown predictor '{name}'; known: {string.Join(", ", Names)}"),
    };
}
