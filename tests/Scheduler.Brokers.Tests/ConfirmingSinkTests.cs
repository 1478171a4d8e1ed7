using Microsoft.Extensions.Time.Testing;
using Scheduler.Runtime.Observability;

namespace Scheduler.Brokers.Tests;

/// <summary>
/// The publishing loop every broker sink shares, against an adapter whose broker takes messages and never confirms
/// them on the first connection (a restarted RabbitMQ whose queue has no leader yet), on a fake clock.
/// </summary>
public sealed class ConfirmingSinkTests
{
    private const int Window = 100;
    private static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Connection 1 never confirms; later connections confirm at once.</summary>
    private sealed class SilentFirstConnectionSink(BrokerContext context) : ConfirmingSink("fake://results", context)
    {
        public int Connections { get; private set; }
        public List<string> Confirmed { get; } = [];
        public int Unanswered { get; private set; }

        protected override Task ConnectAsync(CancellationToken cancellationToken)
        {
            Connections++;
            return Task.CompletedTask;
        }

        protected override Task PublishAsync(string line, CancellationToken cancellationToken)
        {
            if (Connections == 1)
            {
                Unanswered++;
                return new TaskCompletionSource().Task;
            }
            lock (Confirmed) Confirmed.Add(line);
            return Task.CompletedTask;
        }

        protected override ValueTask DisconnectAsync() => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_window_the_broker_never_confirms_fails_whole_at_one_timeout_and_every_line_is_published_again()
    {
        var clock = new FakeTimeProvider();
        var logged = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var settings = BrokerSettings.Defaults with
        {
            PublishMaxInFlight = Window,
            PublishConfirmTimeout = ConfirmTimeout,
            ReconnectMinBackoff = TimeSpan.FromSeconds(1),
            ReconnectMaxBackoff = TimeSpan.FromSeconds(1),
        };
        var events = new EndpointEvents();
        await using var sink = new SilentFirstConnectionSink(new BrokerContext(settings, events, line => logged.TrySetResult(line)) { Clock = clock });
        var lines = Enumerable.Range(0, Window).Select(i => $"{{\"id\": \"r{i}\"}}").ToList();
        foreach (var line in lines) sink.Write(line);

        // Connecting completes at once, so the flush has put its whole window out and waits on it when it returns.
        var flush = sink.FlushAsync(CancellationToken.None);
        Assert.False(flush.IsCompleted);
        Assert.Equal(Window, sink.Unanswered);

        // One timeout fails the whole window: the publications went out together and share their deadline (waiting the
        // timeout for each in turn held this window for 100 × 15 s).
        clock.Advance(ConfirmTimeout);
        var log = await logged.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("not confirmed within 15 s", log);
        Assert.Contains($"{Window} message(s) go again", log);
        Assert.Equal(Window, events.Get(sink.Name, EndpointEvent.PublishRetried));

        // After the backoff the sink reconnects and publishes every line again; the flush then completes.
        for (var ticks = 0; !flush.IsCompleted && ticks < 600; ticks++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Yield();
        }
        await flush.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, sink.Connections);
        Assert.Equal(lines, sink.Confirmed);
    }
}
