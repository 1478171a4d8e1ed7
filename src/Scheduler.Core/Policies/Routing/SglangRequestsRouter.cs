using Scheduler.Core.Model;
using Scheduler.Core.Policies.Production;

namespace Scheduler.Core.Policies.Routing;

/// <summary>
/// SGLang's data-parallel controller in shortest-queue mode, by requests, as it dispatches: each arriving request goes
/// to the rank with the fewest running + waiting requests (from the schedulers' last load report, which SGLang takes
/// every 100 ms by default: <see cref="DefaultStaleSeconds"/>; plus the requests sent since), lowest index on ties.
/// </summary>
public sealed class SglangRequestsRouter : IArrivalRouter
{
    /// <summary>SGLang's controller watches the schedulers' load every 100 ms (its load-watch interval).</summary>
    public const double DefaultStaleSeconds = 0.1;

    private readonly LoadSnapshot _snapshot;

    public SglangRequestsRouter(string name = "sglang-requests", double staleSeconds = DefaultStaleSeconds)
    {
        Name = name;
        _snapshot = new LoadSnapshot(staleSeconds);
    }

    public string Name { get; }

    public double StaleSeconds => _snapshot.StaleSeconds;

    public int Route(ClusterView state, int requestId)
    {
        _snapshot.RefreshIfStale(state);
        var best = 0;
        var bestCount = int.MaxValue;
        for (var g = 0; g < state.Ranks; g++)
        {
            var count = _snapshot.Requests(g);
            if (count < bestCount) { bestCount = count; best = g; }
        }
        _snapshot.RecordSent(best, state.PromptTokens(requestId));
        return best;
    }
}
