namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// What a predictor that names one length per request sees ahead of the cluster at a call (see
/// <see cref="IOutputPredictor.Ahead"/>): both read every running request's predicted life, so they come from one pass.
/// </summary>
/// <param name="GeneratedShare">γ ahead: of the load the running requests and the candidates will hold from now until each
/// leaves (a request's load at every step of its predicted remaining life, summed), the share that is generated tokens.</param>
/// <param name="DeparturesPerStep">
/// The departures per step the cluster is headed for: Σ 1/ô over the running requests, ô a request's whole predicted
/// output, plus the free slots at the candidates' mean 1/ô (filled by this call or the next ones: a backlog's first call
/// fills a few of them, yet the rate it plans for is that of a full cluster). A request runs for ô steps, so it is among
/// the running ones for ô of every step's worth of arrivals: in steady state the running requests' Σ 1/ô is the
/// departure rate (Little's law, request by request). It counts requests by their own lives, not by the load they carry.
/// </param>
public readonly record struct LoadAhead(double GeneratedShare, double DeparturesPerStep)
{
    /// <summary>What a predictor that names no length per request answers: nothing known ahead.</summary>
    public static LoadAhead Unknown => default;
}
