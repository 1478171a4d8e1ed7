using Scheduler.Runtime.Observability;
using Scheduler.Runtime.Results;

namespace Scheduler.Brokers;

/// <summary>
/// A results (or dead-letter, or publish) sink on a broker: lines written are published at the next flush, many at
/// once (up to <see cref="BrokerSettings.PublishMaxInFlight"/>), and the flush completes only when the broker has
/// confirmed every one. A line whose publication fails is published again after a reconnect with backoff, for as long
/// as it takes: never dropped, and the requests it reports stay unacknowledged at their source until then. A broker
/// adapter supplies how to connect and how to publish one line.
/// </summary>
public abstract class ConfirmingSink : IResultSink
{
    private readonly BrokerContext _context;
    private List<string> _pending = [];
    private bool _connected;
    private bool _lostBefore;

    protected ConfirmingSink(string name, BrokerContext context)
    {
        Name = name;
        _context = context;
    }

    public string Name { get; }
    public ResultFormat Format => ResultFormat.JsonLines;

    public void Write(string line) => _pending.Add(line);

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count == 0) return;
        var lines = _pending;
        _pending = [];
        var backoff = _context.Settings.NewBackoff();
        var window = _context.Settings.PublishMaxInFlight;
        var start = 0;
        List<string>? failed = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (!_connected)
                {
                    await ConnectAsync(cancellationToken).ConfigureAwait(false);
                    _connected = true;
                    if (_lostBefore)
                    {
                        _context.Events.Count(Name, EndpointEvent.Reconnected);
                        _context.Log($"{Name}: reconnected");
                    }
                }
                // One window at a time: its publications are in flight together, then each is checked.
                for (; start < lines.Count; start += window)
                {
                    var count = Math.Min(window, lines.Count - start);
                    var publications = new Task[count];
                    for (var i = 0; i < count; i++) publications[i] = PublishAsync(lines[start + i], cancellationToken);
                    await AwaitWindowAsync(publications, cancellationToken).ConfigureAwait(false);
                    Exception? firstError = null;
                    for (var i = 0; i < count; i++)
                    {
                        if (publications[i].IsCompletedSuccessfully) continue;
                        firstError ??= publications[i].IsCompleted
                            ? publications[i].Exception?.GetBaseException() ?? new TaskCanceledException(publications[i])
                            : new TimeoutException($"not confirmed within {_context.Settings.PublishConfirmTimeout.TotalSeconds:0.#} s");
                        (failed ??= []).Add(lines[start + i]);
                    }
                    if (firstError is not null) throw new PublishFailedException(firstError);
                }
                if (failed is null) return;
                // Publish what failed again; what was confirmed stays confirmed.
                lines = failed;
                failed = null;
                start = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                var cause = e is PublishFailedException p ? p.InnerException! : e;
                if (failed is not null)
                {
                    // The rest of this window's lines and every later window: all go again after the reconnect.
                    failed.AddRange(lines.Skip(start + window));
                    _context.Events.Count(Name, EndpointEvent.PublishRetried, failed.Count);
                    lines = failed;
                    failed = null;
                    start = 0;
                }
                _context.Events.Count(Name, EndpointEvent.ConnectionLost);
                _connected = false;
                _lostBefore = true;
                var delay = backoff.Next();
                _context.Log($"{Name}: publishing failed ({Describe(cause)}); {lines.Count - start} message(s) go again in {delay.TotalSeconds:0.0} s");
                await DropConnectionAsync().ConfigureAwait(false);
                await Task.Delay(delay, _context.Clock, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Wait until every publication of a window has ended or the confirm timeout has passed, whichever comes first. The
    /// window's publications went out together, so they share one deadline: waiting the timeout for each in turn let a
    /// restarted broker that never answers hold a 2,000-message window for 2,000 × 15 s (seen: a service that stopped
    /// reporting results after a RabbitMQ restart). What is still unanswered at the deadline counts as failed.
    /// </summary>
    private async Task AwaitWindowAsync(Task[] publications, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(publications).WaitAsync(_context.Settings.PublishConfirmTimeout, _context.Clock, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception)
        {
            // Failed or unanswered in time: the caller reads each publication's state.
        }
    }

    /// <summary>
    /// Let go of a failed connection without waiting on it for long: closing a channel whose broker died with
    /// publications unconfirmed can wait forever (seen with RabbitMQ.Client 7 after a SIGKILL of the broker), and the
    /// retry must not wait with it. What is not closed in time is left to the garbage collector.
    /// </summary>
    private async Task DropConnectionAsync()
    {
        try
        {
            await DisconnectAsync().AsTask().WaitAsync(DisconnectTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _context.Log($"{Name}: the lost connection did not close within {DisconnectTimeout.TotalSeconds:0} s; left behind");
        }
    }

    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Connect, and make sure the destination exists.</summary>
    protected abstract Task ConnectAsync(CancellationToken cancellationToken);

    /// <summary>Publish one line; complete when the broker confirms it, fail when it does not.</summary>
    protected abstract Task PublishAsync(string line, CancellationToken cancellationToken);

    /// <summary>Drop the connection (it failed, or the sink closes); must not throw.</summary>
    protected abstract ValueTask DisconnectAsync();

    /// <summary>Release everything (the sink closes); must not throw. By default the same as <see cref="DisconnectAsync"/>.</summary>
    protected virtual ValueTask CloseAsync() => DisconnectAsync();

    /// <summary>A failure as one line of a log (the broker clients' messages name hosts and reasons, never passwords).</summary>
    protected virtual string Describe(Exception e) => e.GetBaseException().Message;

    public async ValueTask DisposeAsync()
    {
        // Lines written and never flushed are not the sink's to publish: the service flushes before it stops.
        await CloseAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    private sealed class PublishFailedException(Exception inner) : Exception(inner.Message, inner);
}
