using System.Diagnostics;
using Prometheus;
using Scheduler.Runtime.Observability;

namespace Scheduler.Service;

/// <summary>
/// The service's Prometheus metrics (prometheus-net), named <c>scheduler_*</c> with their unit in the name, in a
/// registry of their own so several services in one process (tests) never mix. Counters and histograms are updated
/// as events happen; per-rank gauges at most every 100 ms (a step can take microseconds).
/// </summary>
public sealed class ServiceMetrics : IServiceObserver
{
    // Seconds from 100 µs to ~ 2.8 h: queueing, time to first token and end-to-end latency of LLM requests.
    private static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.0001, 2, 27);
    // Seconds from 10 µs to ~ 5 min: a step's round trip and a policy's decision.
    private static readonly double[] StepBuckets = Histogram.ExponentialBuckets(0.00001, 2, 25);

    private readonly Counter _accepted, _rejected, _duplicates, _rankRestarts, _restarted, _adopted, _completed, _steps, _tokens, _idleSeconds, _rankSeconds, _imbalance;
    private readonly Counter _failed;
    private readonly Gauge _waiting, _unacknowledged, _ranksReady, _ranksTotal, _idleFraction;
    private readonly Gauge _rankLoad, _rankActive;
    private readonly Histogram _queued, _ttft, _e2e, _stepSeconds, _decisionSeconds, _hostRoundTrip, _hostHeld;
    private readonly Gauge.Child[] _loadByRank;
    private readonly Gauge.Child[] _activeByRank;
    private readonly Gauge.Child[] _queuedByRank;
    private long _lastRankUpdate;
    private double _idleSum, _rankTimeSum;

    /// <param name="endpoints">Connection events of the service's sources and sinks (brokers), exported at each scrape.</param>
    public ServiceMetrics(int ranks, EndpointEvents? endpoints = null)
    {
        Registry = Metrics.NewCustomRegistry();
        var f = Metrics.WithCustomRegistry(Registry);
        _accepted = f.CreateCounter("scheduler_requests_accepted_total", "Requests taken into the service (each id once; redeliveries are counted apart).");
        _rejected = f.CreateCounter("scheduler_requests_rejected_total", "Malformed records dead-lettered.");
        _duplicates = f.CreateCounter("scheduler_requests_duplicate_total",
            "Deliveries of an id already in the service (attached to it) or recently finished (acknowledged against its result), never scheduled again.");
        var endpointCounters = new (EndpointEvent Event, Counter Counter)[]
        {
            (EndpointEvent.ConnectionLost, f.CreateCounter("scheduler_broker_connection_lost_total", "Connections to a broker lost (or refused), by endpoint.", ["endpoint"])),
            (EndpointEvent.Reconnected, f.CreateCounter("scheduler_broker_reconnects_total", "Connections to a broker established again after a loss, by endpoint.", ["endpoint"])),
            (EndpointEvent.Redelivered, f.CreateCounter("scheduler_broker_redeliveries_total", "Deliveries a broker marked as delivered before, by endpoint.", ["endpoint"])),
            (EndpointEvent.PublishRetried, f.CreateCounter("scheduler_broker_publish_retries_total", "Results or dead letters published again because a first attempt was not confirmed, by endpoint.", ["endpoint"])),
            (EndpointEvent.Claimed, f.CreateCounter("scheduler_broker_claimed_total", "Entries claimed back from a dead consumer (Redis XAUTOCLAIM), by endpoint.", ["endpoint"])),
        };
        _rankRestarts = f.CreateCounter("scheduler_rank_restarts_total",
            "Ranks lost with their host and re-created empty on a surviving host (their requests restart from the prompt).");
        _restarted = f.CreateCounter("scheduler_requests_restarted_total",
            "Active requests that started again from their prompt because their rank was lost (each still ends in one result).");
        _adopted = f.CreateCounter("scheduler_requests_adopted_total",
            "Requests a balancer adopted from the ranks, mid-decode, when it took over from a lost balancer (their progress kept).");
        _completed = f.CreateCounter("scheduler_requests_completed_total", "Requests that completed (one result each).");
        _failed = f.CreateCounter("scheduler_requests_failed_total", "Accepted requests that could not complete, by reason.", ["reason"]);
        _steps = f.CreateCounter("scheduler_steps_total", "Decode steps run.");
        _tokens = f.CreateCounter("scheduler_tokens_generated_total", "Tokens generated (one per active request per step).");
        _idleSeconds = f.CreateCounter("scheduler_barrier_idle_seconds_total", "Rank-seconds spent waiting at the barrier: Σ over steps of Σ_g (T − t_g).");
        _rankSeconds = f.CreateCounter("scheduler_rank_step_seconds_total", "Rank-seconds of steps: Σ over steps of G·T (the barrier idle fraction's denominator).");
        _imbalance = f.CreateCounter("scheduler_imbalance_tokens_total", "Σ over steps of the paper's imbalance G·max L − ΣL after each step (divide by scheduler_steps_total for its average).");
        _idleFraction = f.CreateGauge("scheduler_barrier_idle_ratio", "Share of rank time spent waiting at the barrier since the start: Σ(T − t_g) / Σ G·T.");
        _waiting = f.CreateGauge("scheduler_requests_waiting", "Requests received and not yet on a rank (the waiting pool).");
        _unacknowledged = f.CreateGauge("scheduler_deliveries_unacknowledged", "Deliveries held unacknowledged by the ingress (bounded by scheduler.runtime.ingest.max-unacknowledged).");
        _ranksReady = f.CreateGauge("scheduler_ranks_ready", "Ranks started.");
        _ranksTotal = f.CreateGauge("scheduler_ranks", "Ranks configured (G).");
        _rankLoad = f.CreateGauge("scheduler_rank_load_tokens", "KV tokens a rank holds (L_g) after the latest step.", ["rank"]);
        _rankActive = f.CreateGauge("scheduler_rank_active_requests", "Requests decoding on a rank after the latest step.", ["rank"]);
        var rankQueued = f.CreateGauge("scheduler_rank_queued_requests",
            "Requests waiting in a rank's own queue after the latest step (arrival binding; with a central pool they wait in scheduler_requests_waiting and this stays 0).", ["rank"]);
        _queued = f.CreateHistogram("scheduler_request_queued_seconds", "Seconds from a request's arrival to its admission on a rank.", new HistogramConfiguration { Buckets = LatencyBuckets });
        _ttft = f.CreateHistogram("scheduler_request_ttft_seconds", "Seconds from a request's arrival to its first token.", new HistogramConfiguration { Buckets = LatencyBuckets });
        _e2e = f.CreateHistogram("scheduler_request_e2e_seconds", "Seconds from a request's arrival to its last token.", new HistogramConfiguration { Buckets = LatencyBuckets });
        _stepSeconds = f.CreateHistogram("scheduler_step_seconds", "Wall seconds of a step: ticks out, every rank's compute, reports back through the barrier.", new HistogramConfiguration { Buckets = StepBuckets });
        _decisionSeconds = f.CreateHistogram("scheduler_decision_seconds", "Seconds the placement policy took per call.", new HistogramConfiguration { Buckets = StepBuckets });
        _hostRoundTrip = f.CreateHistogram("scheduler_rank_host_round_trip_seconds",
            "Seconds from the barrier sending a rank host its step's ticks to the host's answer arriving, by host (HOST:PORT; remote rank hosts only).",
            new HistogramConfiguration { Buckets = StepBuckets, LabelNames = ["host"] });
        _hostHeld = f.CreateHistogram("scheduler_rank_host_held_seconds",
            "Seconds a rank host held its step's ticks, from their arrival to its answer (its ranks' work), by host; the round trip less this is the transport.",
            new HistogramConfiguration { Buckets = StepBuckets, LabelNames = ["host"] });
        _ranksTotal.Set(ranks);
        _loadByRank = new Gauge.Child[ranks];
        _activeByRank = new Gauge.Child[ranks];
        _queuedByRank = new Gauge.Child[ranks];
        for (var g = 0; g < ranks; g++)
        {
            var label = g.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _loadByRank[g] = _rankLoad.WithLabels(label);
            _activeByRank[g] = _rankActive.WithLabels(label);
            _queuedByRank[g] = rankQueued.WithLabels(label);
            _loadByRank[g].Set(0);
            _activeByRank[g].Set(0);
            _queuedByRank[g].Set(0);
        }
        // Failure reasons the service knows, so a scrape shows them at zero before the first failure.
        foreach (var reason in new[] { "context", "shutdown" }) _failed.WithLabels(reason);
        DotNetStats.Register(Registry);
        Registry.AddBeforeCollectCallback(() =>
        {
            var rankTime = Volatile.Read(ref _rankTimeSum);
            if (rankTime > 0) _idleFraction.Set(Volatile.Read(ref _idleSum) / rankTime);
            if (endpoints is null) return;
            foreach (var (endpoint, @event, count) in endpoints.Snapshot())
                foreach (var (kind, counter) in endpointCounters)
                    if (kind == @event) counter.WithLabels(endpoint).IncTo(count);
        });
    }

    public CollectorRegistry Registry { get; }

    /// <summary>Waiting requests (the balancer's pool), set from its status.</summary>
    public void Waiting(int count) => _waiting.Set(count);

    public void RequestsAccepted(int count) => _accepted.Inc(count);
    public void RequestsRejected(int count) => _rejected.Inc(count);
    public void DuplicateDelivered() => _duplicates.Inc();

    public void RequestCompleted(double queuedSeconds, double ttftSeconds, double e2eSeconds, int outputTokens)
    {
        _completed.Inc();
        _queued.Observe(queuedSeconds);
        _ttft.Observe(ttftSeconds);
        _e2e.Observe(e2eSeconds);
    }

    public void RequestFailed(string reason) => _failed.WithLabels(reason).Inc();

    public void StepCompleted(in StepObservation step)
    {
        _steps.Inc();
        _tokens.Inc(step.Tokens);
        _stepSeconds.Observe(step.WallSeconds);
        _imbalance.Inc(step.Imbalance);
        _idleSeconds.Inc(step.BarrierIdleSeconds);
        var rankTime = step.ComputeSeconds * step.Loads.Length;
        _rankSeconds.Inc(rankTime);
        _idleSum += step.BarrierIdleSeconds;
        _rankTimeSum += rankTime;
        _waiting.Set(step.Waiting);
        var now = Stopwatch.GetTimestamp();
        if (Stopwatch.GetElapsedTime(_lastRankUpdate, now) < TimeSpan.FromMilliseconds(100)) return;
        _lastRankUpdate = now;
        for (var g = 0; g < _loadByRank.Length && g < step.Loads.Length; g++)
        {
            _loadByRank[g].Set(step.Loads[g]);
            _activeByRank[g].Set(step.Active[g]);
            if (g < step.Queued.Length) _queuedByRank[g].Set(step.Queued[g]);
        }
    }

    public void DecisionTimed(double micros) => _decisionSeconds.Observe(micros / 1e6);
    public void Unacknowledged(int count) => _unacknowledged.Set(count);
    public void RanksReady(int ready, int total)
    {
        _ranksReady.Set(ready);
        _ranksTotal.Set(total);
    }

    public void RankRestarted(int rank, int requests)
    {
        _rankRestarts.Inc();
        _restarted.Inc(requests);
    }

    public void RequestsAdopted(int requests) => _adopted.Inc(requests);

    public void HostAnswered(string host, double roundTripSeconds, double hostSeconds)
    {
        _hostRoundTrip.WithLabels(host).Observe(roundTripSeconds);
        _hostHeld.WithLabels(host).Observe(hostSeconds);
    }

    /// <summary>The registry in Prometheus text format.</summary>
    public async Task<string> ScrapeAsync(CancellationToken cancellationToken = default)
    {
        using var stream = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(stream, cancellationToken).ConfigureAwait(false);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
