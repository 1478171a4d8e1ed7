using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Routing;

/// <summary>
/// SGLang's data-parallel controller in shortest-queue mode, by requests, as it dispatches: each arriving request goes
/// to the rank with the fewest running + waiting requests (from the schedulers' last load report, which SGLang takes
/// every 100 ms by default: <see cref="DefaultStaleSeconds"/>; plus the requests sent since), lowest index on ties.
/// </summary>
public sealed class SglangRequestsRouter(string name = "sglang-requests", double staleSeconds = SglangRequestsRouter.DefaultStaleSeconds)
    : SnapshotRouter(name, staleSeconds)
{
    /// <summary>SGLang's controller watches the schedulers' load every 100 ms (its load-watch interval).</summary>
    public const double DefaultStaleSeconds = 0.1;

    protected override int Choose(ClusterView state)
    {
        var best = 0;
        var bestCount = int.MaxValue;
        for (var g = 0; g < state.Ranks; g++)
        {
            var count = Snapshot.Requests(g);
            if (count < bestCount) { bestCount = count; best = g; }
        }
        return best;
    }
}
