namespace Scheduler.Core.Model;

/// <summary>One decode request: prompt length s, true output length o, the predictor's estimate ô,
/// and its arrival time (0 for backlogged runs).</summary>
public readonly record struct Request(
    int Id,
    int PromptTokens,
    int OutputTokens,
    int PredictedOutputTokens,
    double ArrivalSeconds = 0.0);
