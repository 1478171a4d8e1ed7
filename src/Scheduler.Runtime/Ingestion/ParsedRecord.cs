namespace Scheduler.Runtime.Ingestion;

/// <summary>One raw record after parsing: a request, a rejection with its reason, or not a record at all (a header or a blank line).</summary>
public abstract record ParsedRecord
{
    public sealed record Accepted(ServiceRequest Request) : ParsedRecord;

    public sealed record Rejected(string Reason) : ParsedRecord;

    public sealed record Skipped : ParsedRecord
    {
        public static readonly Skipped Instance = new();
    }
}
