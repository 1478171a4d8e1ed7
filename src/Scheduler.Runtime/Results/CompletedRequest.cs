namespace Scheduler.Runtime.Results;

/// <summary>A finished request as the result sink writes it: where it ran and its times on the virtual
/// (or measured) clock — arrival, admission, first token, finish — and the step it finished at.</summary>
public sealed record CompletedRequest(
    int RequestId,
    long SourceId,
    int Rank,
    int PromptTokens,
    int OutputTokens,
    double ArrivalSeconds,
    double AdmittedSeconds,
    double FirstTokenSeconds,
    double FinishedSeconds,
    int FinishedStep);
