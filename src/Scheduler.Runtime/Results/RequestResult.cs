namespace Scheduler.Runtime.Results;

/// <summary>How an accepted request ended.</summary>
public enum ResultStatus
{
    Completed,

    /// <summary>Accepted but could not complete (refused at admission, or the service stopped first); the reason says why.</summary>
    Failed,
}

/// <summary>
/// The one result of an accepted request (SPEC §7): where it ran (null if it never reached a rank), its times in
/// seconds from its arrival at the service (queueing, first token, end to end; null where it never got that far),
/// the tokens it generated, and for a failure the reason.
/// </summary>
public sealed record RequestResult(
    string Id,
    ResultStatus Status,
    int? Rank,
    double? QueuedSeconds,
    double? TtftSeconds,
    double? E2eSeconds,
    int OutputTokens,
    string? Reason = null)
{
    public static RequestResult Failure(string id, string reason, int outputTokens = 0) =>
        new(id, ResultStatus.Failed, null, null, null, null, outputTokens, reason);
}
