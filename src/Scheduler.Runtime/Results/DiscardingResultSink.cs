namespace Scheduler.Runtime.Results;

/// <summary>A sink that keeps nothing (a replay whose results were not asked for): every flush succeeds at once.</summary>
public sealed class DiscardingResultSink : IResultSink
{
    public string Name => "discard";
    public ResultFormat Format => ResultFormat.JsonLines;
    public void Write(string line) { }
    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
