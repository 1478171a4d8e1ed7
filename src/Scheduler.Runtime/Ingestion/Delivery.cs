namespace Scheduler.Runtime.Ingestion;

/// <summary>
/// One record as its source delivered it: the text of a line or message (or a request already parsed, from an
/// in-memory workload), where it stood (<c>file:line</c>, or the broker's message id), and the handle that
/// acknowledges it to the source. The service acknowledges a delivery only once the request's result, or the
/// record's dead letter, is written.
/// </summary>
public sealed record Delivery(string Text, string Position, IDeliveryAcknowledgement Acknowledgement)
{
    /// <summary>Set when the source holds requests rather than text (a workload replayed, a synthetic stream).</summary>
    public ServiceRequest? Request { get; init; }

    /// <summary>Set when the source already knows the record is unusable (a line cut at the length limit): the reason.</summary>
    public string? Defect { get; init; }
}

/// <summary>How the service tells a source what became of one delivery. Called from the ingress actor, one call per delivery.</summary>
public interface IDeliveryAcknowledgement
{
    /// <summary>The delivery's result or dead letter is written: the source may forget it.</summary>
    ValueTask AcknowledgeAsync();

    /// <summary>The service stops before this delivery's result: the source may deliver it again (a broker requeues it).</summary>
    ValueTask GiveBackAsync();
}

/// <summary>For sources that cannot take anything back (files, stdin, generators): both calls do nothing.</summary>
public sealed class NoAcknowledgement : IDeliveryAcknowledgement
{
    public static readonly NoAcknowledgement Instance = new();

    public ValueTask AcknowledgeAsync() => ValueTask.CompletedTask;

    public ValueTask GiveBackAsync() => ValueTask.CompletedTask;
}
