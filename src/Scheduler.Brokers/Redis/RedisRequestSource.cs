using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Akka;
using Akka.Streams.Dsl;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Observability;
using Scheduler.Runtime.Results;
using StackExchange.Redis;

namespace Scheduler.Brokers.Redis;

/// <summary>
/// <c>redis://HOST:PORT/STREAM[?group=NAME&amp;consumer=NAME]</c>: a consumer group (default <c>scheduler</c>, created at the
/// stream's beginning with the stream if absent) read with XREADGROUP; each entry's JSON text is its <c>json</c> field.
/// An entry is acknowledged (XACK) once its result is written. At start the consumer first reads back its own pending
/// entries (a restarted service picks up where it stopped), then new ones. Entries pending on a dead consumer for
/// longer than <see cref="BrokerSettings.RedisClaimIdle"/> are claimed (XAUTOCLAIM) and run here; entries still in this
/// service are re-claimed by it every third of that time, which resets their idle time, so a live service's long
/// request is never claimed away.
/// </summary>
public sealed class RedisRequestSource : IRequestSource
{
    private readonly RedisConnector _connector;
    private readonly BrokerContext _context;
    private readonly string _group;
    private readonly string _consumer;

    internal RedisRequestSource(BrokerAddress address, BrokerContext context)
    {
        _connector = new RedisConnector(address.RequireKnownKeys("group", "consumer"), context.Settings.Redis);
        _context = context;
        _group = address.Get("group", "scheduler");
        _consumer = address.Get("consumer", context.Settings.RedisConsumer ?? $"scheduler-{Environment.MachineName}");
        if (_group.Length == 0 || _consumer.Length == 0) throw new ArgumentException($"{address.Display}: group and consumer names may not be empty");
    }

    public string Name => _connector.Address.Display;
    public bool Redelivers => true;
    public RecordFraming Framing => RecordFraming.Messages;

    /// <summary>Malformed entries go to the stream <c>STREAM.dlq</c> on the same server.</summary>
    public IResultSink OpenDeadLetters() => new RedisResultSink(_connector.Address.WithName(_connector.Address.Name + ".dlq"), _context);

    public Source<Delivery, NotUsed> Open() => Source.From<Delivery>(() => Deliveries());

    private async IAsyncEnumerable<Delivery> Deliveries([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var stream = (RedisKey)_connector.Address.Name;
        var connection = await _connector.ConnectAsync("consumer").ConfigureAwait(false);
        await using var _ = connection.ConfigureAwait(false);
        connection.ConnectionFailed += (_, e) =>
        {
            _context.Events.Count(Name, EndpointEvent.ConnectionLost);
            _context.Log($"{Name}: connection lost ({e.FailureType}); the client reconnects");
        };
        connection.ConnectionRestored += (_, _) =>
        {
            _context.Events.Count(Name, EndpointEvent.Reconnected);
            _context.Log($"{Name}: reconnected");
        };
        var db = connection.GetDatabase();
        var inService = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var keepClaimed = Task.Run(() => KeepClaimedAsync(db, stream, inService, stop.Token), CancellationToken.None);
        var backoff = _context.Settings.NewBackoff();
        var batch = Math.Clamp(_context.Settings.MaxUnacknowledged, 1, 512);
        var claimEvery = _context.Settings.HeartbeatEvery(_context.Settings.RedisClaimIdle);
        var lastClaim = Stopwatch.GetTimestamp();
        var idleWait = _context.Settings.RedisPollInterval;
        // "0": this consumer's own pending entries first (a restart resumes them), then ">" (new entries).
        var position = (RedisValue)"0";
        var groupReady = false;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                StreamEntry[] entries;
                var claimed = false;
                try
                {
                    if (!groupReady)
                    {
                        await EnsureGroupAsync(db, stream).ConfigureAwait(false);
                        groupReady = true;
                    }
                    if (position != ">" || Stopwatch.GetElapsedTime(lastClaim) < claimEvery)
                    {
                        entries = await db.StreamReadGroupAsync(stream, _group, _consumer, position, batch).ConfigureAwait(false);
                    }
                    else
                    {
                        lastClaim = Stopwatch.GetTimestamp();
                        var result = await db.StreamAutoClaimAsync(stream, _group, _consumer, (long)_context.Settings.RedisClaimIdle.TotalMilliseconds,
                            "0-0", batch).ConfigureAwait(false);
                        // Entries of this service are re-claimed by it before they go idle: what comes here was a dead consumer's,
                        // or ours from before a restart under another name.
                        entries = result.ClaimedEntries.Where(e => !inService.ContainsKey(e.Id!)).ToArray();
                        claimed = true;
                        if (entries.Length > 0) _context.Events.Count(Name, EndpointEvent.Claimed, entries.Length);
                    }
                    backoff.Reset();
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    if (e is RedisServerException { Message: var m } && m.StartsWith("NOGROUP", StringComparison.Ordinal)) groupReady = false;
                    // A read cut off by a lost connection may have been served: the server then holds those entries as
                    // pending for this consumer, but their reply never came. Read our own pending entries again.
                    position = "0";
                    var delay = backoff.Next();
                    _context.Log($"{Name}: {e.GetBaseException().Message}; trying again in {delay.TotalSeconds:0.0} s");
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (entries.Length == 0)
                {
                    if (claimed) continue;
                    if (position != ">")
                    {
                        // Our own pending entries are all read back: new entries from here on.
                        position = ">";
                        continue;
                    }
                    await Task.Delay(idleWait, cancellationToken).ConfigureAwait(false);
                    idleWait = TimeSpan.FromTicks(Math.Min(idleWait.Ticks * 2, _context.Settings.RedisPollInterval.Ticks * 16));
                    continue;
                }
                idleWait = _context.Settings.RedisPollInterval;
                foreach (var entry in entries)
                {
                    var id = entry.Id.ToString();
                    // Read back from our pending entries after a lost connection: those still in the service are not new.
                    if (position != ">" && inService.ContainsKey(id)) continue;
                    if (position != ">" || claimed) _context.Events.Count(Name, EndpointEvent.Redelivered);
                    inService[id] = Stopwatch.GetTimestamp();
                    var json = entry[RedisResultSink.Field];
                    var delivery = json.IsNull
                        ? new Delivery(string.Join(", ", entry.Values.Select(v => $"{v.Name}={v.Value}")), $"{Name}#{id}",
                            new RedisAcknowledgement(db, stream, _group, id, inService)) { Defect = $"the entry has no '{RedisResultSink.Field}' field" }
                        : new Delivery(json.ToString(), $"{Name}#{id}", new RedisAcknowledgement(db, stream, _group, id, inService));
                    yield return delivery;
                }
                // Reading our own pending entries: go on after the last one.
                if (position != ">") position = entries[^1].Id;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try { await keepClaimed.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
    }

    private async Task EnsureGroupAsync(IDatabase db, RedisKey stream)
    {
        try
        {
            // From the stream's beginning: entries added before the service first started are requests too.
            await db.StreamCreateConsumerGroupAsync(stream, _group, StreamPosition.Beginning, createStream: true).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // It exists.
        }
    }

    /// <summary>Every third of the claim idle time: claim this service's entries again (JUSTID), resetting their idle time.</summary>
    private async Task KeepClaimedAsync(IDatabase db, RedisKey stream, ConcurrentDictionary<string, long> inService, CancellationToken cancellationToken)
    {
        var every = _context.Settings.HeartbeatEvery(_context.Settings.RedisClaimIdle);
        using var timer = new PeriodicTimer(every);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            var held = inService.Where(kv => Stopwatch.GetElapsedTime(kv.Value) >= every).Select(kv => (RedisValue)kv.Key).ToArray();
            foreach (var chunk in held.Chunk(1000))
            {
                try
                {
                    await db.StreamClaimIdsOnlyAsync(stream, _group, _consumer, 0, chunk).ConfigureAwait(false);
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    break; // Disconnected: tried again at the next tick.
                }
            }
        }
    }
}

/// <summary>XACK for one entry once its result is written. Given back: left pending, for a restarted service (or
/// another consumer, after the claim idle time) to take again.</summary>
internal sealed class RedisAcknowledgement(IDatabase db, RedisKey stream, string group, string id, ConcurrentDictionary<string, long> inService)
    : IDeliveryAcknowledgement
{
    private const int AckAttempts = 10;

    public async ValueTask AcknowledgeAsync()
    {
        // Out of the re-claiming first: if every XACK below is lost, the entry goes idle and comes back to this
        // service, which acknowledges it against the result already written.
        inService.TryRemove(id, out _);
        var backoff = new Backoff(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await db.StreamAcknowledgeAsync(stream, group, id).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (attempt < AckAttempts && e is RedisException or TimeoutException)
            {
                // A restarting server: the multiplexer reconnects within seconds; try again rather than leave it pending.
                await backoff.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    public ValueTask GiveBackAsync()
    {
        inService.TryRemove(id, out _);
        return ValueTask.CompletedTask;
    }
}
