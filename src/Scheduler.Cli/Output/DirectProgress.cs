namespace Scheduler.Cli.Output;

/// <summary>
/// An <see cref="IProgress{T}"/> that reports on the caller's thread. <see cref="Progress{T}"/> posts each report
/// to the thread pool, so its last progress lines could print after the run's summary.
/// </summary>
public sealed class DirectProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
