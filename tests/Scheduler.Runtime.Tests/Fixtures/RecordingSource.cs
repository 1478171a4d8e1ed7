using System.Collections.Concurrent;
using Akka;
using Akka.Streams.Dsl;
using Scheduler.Runtime.Ingestion;

namespace Scheduler.Runtime.Tests.Fixtures;

/// <summary>
/// A source of messages (JSON request objects, or anything) whose acknowledgements are recorded by position
/// (<c>name:n</c>), as a broker would see them; it can count how many it has delivered and pretend to redeliver.
/// </summary>
internal sealed class RecordingSource(IEnumerable<string> messages, bool redelivers = false, string name = "messages") : IRequestSource
{
    private int _delivered;

    public string Name => name;
    public bool Redelivers => redelivers;
    public RecordFraming Framing => RecordFraming.Messages;

    public ConcurrentDictionary<string, int> Acknowledged { get; } = new();
    public ConcurrentDictionary<string, int> GivenBack { get; } = new();
    public int Delivered => Volatile.Read(ref _delivered);

    public Source<Delivery, NotUsed> Open() =>
        Source.From(messages.Select((text, i) => (text, i))).Select(m =>
        {
            Interlocked.Increment(ref _delivered);
            var position = $"{name}:{m.i + 1}";
            return new Delivery(m.text, position, new Recording(this, position));
        });

    private sealed class Recording(RecordingSource source, string position) : IDeliveryAcknowledgement
    {
        public ValueTask AcknowledgeAsync()
        {
            source.Acknowledged.AddOrUpdate(position, 1, (_, n) => n + 1);
            return ValueTask.CompletedTask;
        }

        public ValueTask GiveBackAsync()
        {
            source.GivenBack.AddOrUpdate(position, 1, (_, n) => n + 1);
            return ValueTask.CompletedTask;
        }
    }

    public static string Json(string id, int prompt, int output) =>
        $"{{\"id\":\"{id}\",\"prompt_tokens\":{prompt},\"output_tokens\":{output}}}";
}

/// <summary>A sink whose flushes complete only when the test opens the gate (lines written so far become durable then).</summary>
internal sealed class GatedResultSink : Scheduler.Runtime.Results.IResultSink
{
    private readonly Scheduler.Runtime.Results.MemoryResultSink _inner = new("gated");
    private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name => "gated";
    public Scheduler.Runtime.Results.ResultFormat Format => Scheduler.Runtime.Results.ResultFormat.JsonLines;
    public IReadOnlyList<string> Lines => _inner.Lines;

    public void Open() => _gate.TrySetResult();

    public void Write(string line) => _inner.Write(line);

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _gate.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
