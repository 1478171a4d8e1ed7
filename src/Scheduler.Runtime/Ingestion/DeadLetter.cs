using System.Text.Json.Serialization;

namespace Scheduler.Runtime.Ingestion;

/// <summary>A malformed record (SPEC §7): why it was refused, where it stood (<c>file:line</c> or the broker's
/// message id) and its original text. It never stops the service; its delivery is acknowledged once this is written.</summary>
public sealed record DeadLetter(
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("position")] string Position,
    [property: JsonPropertyName("text")] string Text)
{
    public override string ToString() => $"{Position}: {Reason} (record: \"{Text}\")";
}
