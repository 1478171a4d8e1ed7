using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Routing;

/// <summary>
/// A first arrival form of BF-IO's idea (balance the work still to come, not the load now): each arriving request goes
/// to the rank with the least predicted remaining work, Σ over its active and queued requests of prompt + predicted
/// output still to generate (s_i + max(ô_i − gen_i, 0)), read from the current state, lowest index on ties. It uses
/// the workload's predictions ô as given. A stand-in until BF-IO's own router replaces it.
/// </summary>
public sealed class LeastPredictedWorkRouter(string name = "bfio") : IArrivalRouter
{
    public string Name { get; } = name;

    public int Route(ClusterView state, int requestId)
    {
        var best = 0;
        var bestWork = long.MaxValue;
        for (var g = 0; g < state.Ranks; g++)
        {
            long work = 0;
            foreach (var id in state.ActiveRequests(g)) work += Remaining(state, id);
            foreach (var id in state.BoundQueue(g)) work += Remaining(state, id);
            if (work < bestWork) { bestWork = work; best = g; }
        }
        return best;
    }

    private static long Remaining(ClusterView state, int id) =>
        state.PromptTokens(id) + (long)Math.Max(state.PredictedOutput(id) - state.Generated(id), 0);
}
