namespace Scheduler.Core.Traces;

/// <summary>
/// A trace file that cannot be read as requests. Carries the file and 1-based line so a user can open
/// the file at the fault; <see cref="Exception.Message"/> is one line, <c>file:line: reason</c>.
/// </summary>
public sealed class TraceFormatException : Exception
{
    public TraceFormatException(string file, int line, string reason, Exception? innerException = null)
        : base(Format(file, line, reason), innerException)
    {
        File = file;
        Line = line;
        Reason = reason;
    }

    /// <summary>The path of the offending file, as given to the reader.</summary>
    public string File { get; }

    /// <summary>1-based line of the fault; 0 when the fault is not on one line (missing file, empty file).</summary>
    public int Line { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }

    private static string Format(string file, int line, string reason) =>
        line > 0 ? $"{file}:{line}: {reason}" : $"{file}: {reason}";
}
