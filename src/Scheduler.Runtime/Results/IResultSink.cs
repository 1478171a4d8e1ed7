namespace Scheduler.Runtime.Results;

/// <summary>
/// Where result lines (and dead letters) go: stdout, a file, or (issue 7) a broker. Lines are written one at a
/// time and become durable together at <see cref="FlushAsync"/> (flushed to the operating system, or confirmed by
/// a broker); only then are the requests they report acknowledged to their source. Called from one actor at a time.
/// </summary>
public interface IResultSink : IAsyncDisposable
{
    /// <summary>The sink as a user named it (its URI, without credentials).</summary>
    string Name { get; }

    ResultFormat Format { get; }

    /// <summary>Buffer one line (no newline).</summary>
    void Write(string line);

    /// <summary>Everything written so far is durable once this completes.</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}
