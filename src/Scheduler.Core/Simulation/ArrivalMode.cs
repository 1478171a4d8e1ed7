namespace Scheduler.Core.Simulation;

/// <summary>How requests become visible to the policy.</summary>
public enum ArrivalMode
{
    /// <summary>All exist at t=0; the queue shows at most the reveal window (the reference setting).</summary>
    Backlog,

    /// <summary>Each request joins the queue at its arrival time; the queue holds every arrived request.</summary>
    Trace,

    /// <summary>
    /// A live service: the clock is the wall clock, a request joins the queue at the first step boundary after
    /// it is received, and nothing waits for input that has not come (no reveal window, no lookahead).
    /// </summary>
    Live,
}
