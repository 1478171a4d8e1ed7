namespace Scheduler.Runtime.Ingestion;

/// <summary>
/// A request as a producer writes it (SPEC §7): its id (a string the producer chose), prompt length, how many
/// tokens to generate, the predictor's estimate of that (the output length when the producer gives none:
/// the service knows how many tokens it is asked for), and, in replay only, its arrival time.
/// </summary>
public readonly record struct ServiceRequest(string Id, int PromptTokens, int OutputTokens, int PredictedOutputTokens, double ArrivalSeconds = 0.0);
