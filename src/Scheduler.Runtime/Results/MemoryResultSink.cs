namespace Scheduler.Runtime.Results;

/// <summary>Lines kept in memory (tests; a replay's dead letters). <see cref="Lines"/> holds what was flushed.</summary>
public sealed class MemoryResultSink(string name = "memory", ResultFormat format = ResultFormat.JsonLines) : IResultSink
{
    private readonly List<string> _buffer = [];
    private readonly List<string> _flushed = [];
    private readonly Lock _lock = new();

    public string Name => name;
    public ResultFormat Format => format;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock) return _flushed.ToArray();
        }
    }

    public void Write(string line)
    {
        lock (_lock) _buffer.Add(line);
    }

    public Task FlushAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _flushed.AddRange(_buffer);
            _buffer.Clear();
        }
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
