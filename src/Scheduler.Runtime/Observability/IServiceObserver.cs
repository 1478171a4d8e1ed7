namespace Scheduler.Runtime.Observability;

/// <summary>A closed step as the service saw it: its wall time from tick to barrier, the slowest rank's compute T and
/// the ranks' summed wait Σ(T − t_g), the imbalance the paper measures, and the loads and counts after it.</summary>
public readonly ref struct StepObservation(
    int step, double wallSeconds, double computeSeconds, double barrierIdleSeconds, long imbalance, int tokens,
    int waiting, ReadOnlySpan<long> loads, ReadOnlySpan<int> active, ReadOnlySpan<int> queued = default)
{
    public int Step { get; } = step;
    public double WallSeconds { get; } = wallSeconds;
    public double ComputeSeconds { get; } = computeSeconds;
    public double BarrierIdleSeconds { get; } = barrierIdleSeconds;
    public long Imbalance { get; } = imbalance;

    /// <summary>Tokens the step generated (one per request active in it).</summary>
    public int Tokens { get; } = tokens;

    /// <summary>Requests received and not yet on a rank, after the step's admissions.</summary>
    public int Waiting { get; } = waiting;

    public ReadOnlySpan<long> Loads { get; } = loads;
    public ReadOnlySpan<int> Active { get; } = active;

    /// <summary>Requests waiting in each rank's own queue (arrival binding; empty with a central pool).</summary>
    public ReadOnlySpan<int> Queued { get; } = queued;
}

/// <summary>
/// What a long-running service reports as it runs (metrics, the final summary). Called from the actor that saw
/// the event (balancer, barrier or ingress), never concurrently by one actor; implementations that several actors share
/// must be thread-safe.
/// </summary>
public interface IServiceObserver
{
    void RequestsAccepted(int count);

    /// <summary>Malformed records dead-lettered.</summary>
    void RequestsRejected(int count);

    /// <summary>A delivery of an id already in the service, attached to it instead of being scheduled again.</summary>
    void DuplicateDelivered();

    void RequestCompleted(double queuedSeconds, double ttftSeconds, double e2eSeconds, int outputTokens);

    void RequestFailed(string reason);

    void StepCompleted(in StepObservation step);

    void DecisionTimed(double micros);

    /// <summary>Deliveries the ingress holds unacknowledged.</summary>
    void Unacknowledged(int count);

    /// <summary>Ranks started, of the total (readiness).</summary>
    void RanksReady(int ready, int total);

    /// <summary>Rank <paramref name="rank"/> was lost with its host and came back empty on another; its
    /// <paramref name="requests"/> active requests start again from their prompts.</summary>
    void RankRestarted(int rank, int requests) { }

    /// <summary>A balancer that took over from a lost one adopted <paramref name="requests"/> requests the ranks were decoding.</summary>
    void RequestsAdopted(int requests) { }

    /// <summary>Rank host <paramref name="host"/> (HOST:PORT) answered a step's ticks: <paramref name="roundTripSeconds"/>
    /// from the barrier sending them to its answer arriving, of which the host held them <paramref name="hostSeconds"/>
    /// (its ranks' work; the rest is the transport both ways). Told by the barrier, for hosts other than its own node.</summary>
    void HostAnswered(string host, double roundTripSeconds, double hostSeconds) { }
}

/// <summary>Forwards every event to several observers (metrics and the summary).</summary>
public sealed class CompositeServiceObserver(params IServiceObserver[] observers) : IServiceObserver
{
    public void RequestsAccepted(int count) { foreach (var o in observers) o.RequestsAccepted(count); }
    public void RequestsRejected(int count) { foreach (var o in observers) o.RequestsRejected(count); }
    public void DuplicateDelivered() { foreach (var o in observers) o.DuplicateDelivered(); }
    public void RequestCompleted(double queuedSeconds, double ttftSeconds, double e2eSeconds, int outputTokens) { foreach (var o in observers) o.RequestCompleted(queuedSeconds, ttftSeconds, e2eSeconds, outputTokens); }
    public void RequestFailed(string reason) { foreach (var o in observers) o.RequestFailed(reason); }
    public void StepCompleted(in StepObservation step) { foreach (var o in observers) o.StepCompleted(step); }
    public void DecisionTimed(double micros) { foreach (var o in observers) o.DecisionTimed(micros); }
    public void Unacknowledged(int count) { foreach (var o in observers) o.Unacknowledged(count); }
    public void RanksReady(int ready, int total) { foreach (var o in observers) o.RanksReady(ready, total); }
    public void RankRestarted(int rank, int requests) { foreach (var o in observers) o.RankRestarted(rank, requests); }
    public void RequestsAdopted(int requests) { foreach (var o in observers) o.RequestsAdopted(requests); }
    public void HostAnswered(string host, double roundTripSeconds, double hostSeconds) { foreach (var o in observers) o.HostAnswered(host, roundTripSeconds, hostSeconds); }
}

/// <summary>Observes nothing.</summary>
public sealed class NullServiceObserver : IServiceObserver
{
    public static readonly NullServiceObserver Instance = new();
    public void RequestsAccepted(int count) { }
    public void RequestsRejected(int count) { }
    public void DuplicateDelivered() { }
    public void RequestCompleted(double queuedSeconds, double ttftSeconds, double e2eSeconds, int outputTokens) { }
    public void RequestFailed(string reason) { }
    public void StepCompleted(in StepObservation step) { }
    public void DecisionTimed(double micros) { }
    public void Unacknowledged(int count) { }
    public void RanksReady(int ready, int total) { }
}
