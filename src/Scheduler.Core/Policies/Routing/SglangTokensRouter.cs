using Scheduler.Core.Model;
using Scheduler.Core.Policies.Production;

namespace Scheduler.Core.Policies.Routing;

/// <summary>
/// SGLang's data-parallel controller in shortest-queue mode, by tokens, as it dispatches: each arriving request goes to
/// the rank holding the fewest tokens — KV tokens of its running requests (prompts and generated tokens) plus the
/// prompts waiting in its queue, from the last load report (every 100 ms by default: <see cref="DefaultStaleSeconds"/>),
/// plus the prompts sent since — then the fewest requests, then the lowest index.
/// </summary>
public sealed class SglangTokensRouter : IArrivalRouter
{
    /// <summary>SGLang's controller watches the schedulers' load every 100 ms (its load-watch interval).</summary>
    public const double DefaultStaleSeconds = 0.1;

    private readonly LoadSnapshot _snapshot;

    public SglangTokensRouter(string name = "sglang-tokens", double staleSeconds = DefaultStaleSeconds)
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
        var bestTokens = long.MaxValue;
        var bestCount = int.MaxValue;
        for (var g = 0; g < state.Ranks; g++)
        {
            var tokens = _snapshot.KvTokens(g);
            var count = _snapshot.Requests(g);
            if (tokens < bestTokens || (tokens == bestTokens && count < bestCount))
            {
                bestTokens = tokens;
                bestCount = count;
                best = g;
            }
        }
        _snapshot.RecordSent(best, state.PromptTokens(requestId));
        return best;
    }
}
