using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Scheduler.Runtime.Results;

namespace Scheduler.Runtime.Actors;

/// <summary>Write these lines; answer <see cref="LinesWritten"/> with the token once they are durable.</summary>
public sealed record WriteLines(ImmutableArray<string> Lines, object Token) : INoSerializationVerificationNeeded;

/// <summary>The lines sent with <see cref="Token"/> are durable.</summary>
public sealed record LinesWritten(object Token) : INoSerializationVerificationNeeded;

/// <summary>The sink could not make lines durable; nothing after this is written.</summary>
public sealed record SinkFailed(string Sink, string Reason) : INoSerializationVerificationNeeded;

/// <summary>Flush what has been written and answer <see cref="SinkFlushed"/> (shutdown: nothing is cut).</summary>
public sealed record FlushSink : INoSerializationVerificationNeeded
{
    public static readonly FlushSink Instance = new();
}

/// <summary>Everything written before <see cref="FlushSink"/> is durable.</summary>
public sealed record SinkFlushed : INoSerializationVerificationNeeded
{
    public static readonly SinkFlushed Instance = new();
}

/// <summary>
/// Owns one <see cref="IResultSink"/>: writes lines as they come and makes them durable in coalesced flushes (a
/// flush covers everything written before it, however many batches that was), then tells each batch's sender its
/// token. One flush at a time, so under load flushes batch up instead of queueing; lines that come during a flush
/// wait for the next (a sink is never written while it flushes). A failed write or flush is final: the senders
/// hear <see cref="SinkFailed"/> and the lines stay unacknowledged at their source.
/// </summary>
public sealed class LineWriterActor : UntypedActor
{
    private readonly IResultSink _sink;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // Lines wait here until a flush starts: a sink is not written while it flushes.
    private readonly List<string> _lines = [];
    private List<(IActorRef ReplyTo, object? Token)> _written = [];
    private bool _flushing;
    private bool _flushRequested;
    private string? _failure;

    public LineWriterActor(IResultSink sink) => _sink = sink;

    public static Props Props(IResultSink sink) =>
        Akka.Actor.Props.Create(() => new LineWriterActor(sink)).WithDispatcher("akka.actor.default-blocking-io-dispatcher");

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case WriteLines write:
                if (_failure is not null)
                {
                    Sender.Tell(new SinkFailed(_sink.Name, _failure));
                    return;
                }
                _lines.AddRange(write.Lines);
                _written.Add((Sender, write.Token));
                RequestFlush();
                break;

            case FlushSink:
                // No token: the sender asked for the flush itself.
                _written.Add((Sender, null));
                RequestFlush();
                break;

            case FlushNow:
                _flushRequested = false;
                if (!_flushing && _written.Count > 0) StartFlush();
                break;

            case Flushed flushed:
                _flushing = false;
                foreach (var (replyTo, token) in flushed.Batches)
                    replyTo.Tell(token is null ? SinkFlushed.Instance : new LinesWritten(token));
                if (_written.Count > 0) StartFlush();
                break;

            case FlushFailed failed:
                _flushing = false;
                Fail(failed.Error);
                foreach (var (replyTo, _) in failed.Batches) replyTo.Tell(new SinkFailed(_sink.Name, _failure!));
                foreach (var (replyTo, _) in _written) replyTo.Tell(new SinkFailed(_sink.Name, _failure!));
                _written.Clear();
                break;

            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>Flush after the messages already in the mailbox: they join this flush instead of each paying for one.</summary>
    private void RequestFlush()
    {
        if (_flushRequested || _flushing) return;
        _flushRequested = true;
        Self.Tell(FlushNow.Instance);
    }

    private void StartFlush()
    {
        var batches = _written;
        _written = [];
        try
        {
            foreach (var line in _lines) _sink.Write(line);
            _lines.Clear();
        }
        catch (Exception ex)
        {
            Self.Tell(new FlushFailed(batches, ex));
            _flushing = true;
            return;
        }
        _flushing = true;
        _sink.FlushAsync(CancellationToken.None).PipeTo(Self,
            success: () => new Flushed(batches),
            failure: ex => new FlushFailed(batches, ex));
    }

    private void Fail(Exception error)
    {
        _failure ??= error.Message;
        _log.Error(error, "writing to {0} failed: {1}", _sink.Name, error.Message);
    }

    protected override void PostStop()
    {
        // A last flush, so a stopping service never leaves a half-written line behind.
        try
        {
            _sink.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex)
        {
            _log.Warning("closing {0}: {1}", _sink.Name, ex.GetBaseException().Message);
        }
    }

    private sealed record FlushNow : INoSerializationVerificationNeeded
    {
        public static readonly FlushNow Instance = new();
    }

    private sealed record Flushed(List<(IActorRef ReplyTo, object? Token)> Batches) : INoSerializationVerificationNeeded;

    private sealed record FlushFailed(List<(IActorRef ReplyTo, object? Token)> Batches, Exception Error) : INoSerializationVerificationNeeded;
}
