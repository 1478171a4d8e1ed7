using Scheduler.Core.Metrics;

namespace Scheduler.Runtime.Observability;

/// <summary>
/// The running totals behind a service's summary, in fixed memory however long it runs: counts, sums and
/// logarithmic histograms (<see cref="LogHistogram"/>) instead of per-request lists. Thread-safe: the balancer
/// and the ingress both report to it, and the summary is read while they run.
/// </summary>
public sealed class ServiceStatistics : IServiceObserver
{
    private readonly Lock _lock = new();
    private readonly LogHistogram _queued = new();
    private readonly LogHistogram _ttft = new();
    private readonly LogHistogram _e2e = new();
    private readonly LogHistogram _stepWall = new();
    private readonly LogHistogram _decisions = new();
    private readonly LogHistogram _hostRoundTrip = new();
    private readonly LogHistogram _hostHeld = new();
    private readonly Dictionary<string, long> _failures = new();
    private long _accepted, _rejected, _duplicates, _completed, _failed, _steps, _tokens, _outputTokens;
    private double _imbalanceSum, _computeSum, _idleSum, _rankTimeSum;
    private int _ranks;

    public void RequestsAccepted(int count) { lock (_lock) _accepted += count; }
    public void RequestsRejected(int count) { lock (_lock) _rejected += count; }
    public void DuplicateDelivered() { lock (_lock) _duplicates++; }

    public void RequestCompleted(double queuedSeconds, double ttftSeconds, double e2eSeconds, int outputTokens)
    {
        lock (_lock)
        {
            _completed++;
            _outputTokens += outputTokens;
            _queued.Add(queuedSeconds);
            _ttft.Add(ttftSeconds);
            _e2e.Add(e2eSeconds);
        }
    }

    public void RequestFailed(string reason)
    {
        lock (_lock)
        {
            _failed++;
            _failures[reason] = _failures.GetValueOrDefault(reason) + 1;
        }
    }

    public void StepCompleted(in StepObservation step)
    {
        lock (_lock)
        {
            _steps++;
            _tokens += step.Tokens;
            _imbalanceSum += step.Imbalance;
            _computeSum += step.ComputeSeconds;
            _idleSum += step.BarrierIdleSeconds;
            _ranks = step.Loads.Length;
            _rankTimeSum += step.ComputeSeconds * step.Loads.Length;
            _stepWall.Add(step.WallSeconds);
        }
    }

    public void DecisionTimed(double micros) { lock (_lock) _decisions.Add(micros); }

    public void HostAnswered(string host, double roundTripSeconds, double hostSeconds)
    {
        lock (_lock)
        {
            _hostRoundTrip.Add(roundTripSeconds);
            _hostHeld.Add(hostSeconds);
        }
    }
    public void Unacknowledged(int count) { }
    public void RanksReady(int ready, int total) { }

    /// <summary>The totals so far; <paramref name="wallSeconds"/> is how long the service has run.</summary>
    public ServiceSummary Snapshot(double wallSeconds)
    {
        lock (_lock)
        {
            return new ServiceSummary
            {
                Accepted = _accepted,
                Rejected = _rejected,
                Duplicates = _duplicates,
                Completed = _completed,
                Failed = _failed,
                FailureReasons = new Dictionary<string, long>(_failures),
                Steps = _steps,
                Ranks = _ranks,
                GeneratedTokens = _tokens,
                CompletedOutputTokens = _outputTokens,
                WallSeconds = wallSeconds,
                AvgImbalance = _steps > 0 ? _imbalanceSum / _steps : double.NaN,
                BarrierIdleFraction = _rankTimeSum > 0 ? _idleSum / _rankTimeSum : double.NaN,
                ComputeSeconds = _computeSum,
                QueuedP50 = _queued.Percentile(50),
                QueuedP99 = _queued.Percentile(99),
                TtftP50 = _ttft.Percentile(50),
                TtftP99 = _ttft.Percentile(99),
                E2eMean = _e2e.Mean,
                E2eP50 = _e2e.Percentile(50),
                E2eP99 = _e2e.Percentile(99),
                StepWallP50 = _stepWall.Percentile(50),
                StepWallP99 = _stepWall.Percentile(99),
                DecisionMicrosP50 = _decisions.Percentile(50),
                DecisionMicrosP99 = _decisions.Percentile(99),
                HostRoundTripP50 = _hostRoundTrip.Percentile(50),
                HostRoundTripP99 = _hostRoundTrip.Percentile(99),
                HostHeldP50 = _hostHeld.Percentile(50),
                HostHeldP99 = _hostHeld.Percentile(99),
            };
        }
    }
}

/// <summary>
/// A service's figures: requests accepted, rejected (malformed), duplicated (redeliveries attached), completed and
/// failed (with reasons); steps and tokens; the paper's average imbalance (mean over steps of G·max L − ΣL after
/// each step) and the barrier idle fraction (Σ(T − t_g) / Σ G·T over steps); latency percentiles in seconds from
/// arrival; the step's wall time (the barrier round trip, compute included); the round trip to each remote rank host and
/// the host's share of it; and the policy's decision time.
/// Percentiles come from logarithmic histograms (within 1.1%).
/// </summary>
public sealed record ServiceSummary
{
    public long Accepted { get; init; }
    public long Rejected { get; init; }
    public long Duplicates { get; init; }
    public long Completed { get; init; }
    public long Failed { get; init; }
    public IReadOnlyDictionary<string, long> FailureReasons { get; init; } = new Dictionary<string, long>();
    public long Steps { get; init; }
    public int Ranks { get; init; }
    public long GeneratedTokens { get; init; }
    public long CompletedOutputTokens { get; init; }
    public double WallSeconds { get; init; }
    public double AvgImbalance { get; init; }
    public double BarrierIdleFraction { get; init; }
    public double ComputeSeconds { get; init; }
    public double QueuedP50 { get; init; }
    public double QueuedP99 { get; init; }
    public double TtftP50 { get; init; }
    public double TtftP99 { get; init; }
    public double E2eMean { get; init; }
    public double E2eP50 { get; init; }
    public double E2eP99 { get; init; }
    public double StepWallP50 { get; init; }
    public double StepWallP99 { get; init; }
    public double DecisionMicrosP50 { get; init; }
    public double DecisionMicrosP99 { get; init; }

    /// <summary>Seconds from the barrier ticking a remote rank host to its answer, over every host and step (NaN: no
    /// remote rank host, as on a cluster of one).</summary>
    public double HostRoundTripP50 { get; init; } = double.NaN;
    public double HostRoundTripP99 { get; init; } = double.NaN;

    /// <summary>Seconds a remote rank host held the ticks of a step (its ranks' work): the rest of the round trip is the
    /// transport.</summary>
    public double HostHeldP50 { get; init; } = double.NaN;
    public double HostHeldP99 { get; init; } = double.NaN;

    /// <summary>Tokens per second of wall time.</summary>
    public double Throughput => WallSeconds > 0 ? GeneratedTokens / WallSeconds : double.NaN;

    public double StepsPerSecond => WallSeconds > 0 ? Steps / WallSeconds : double.NaN;
}
