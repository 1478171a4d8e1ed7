using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Routing;

/// <summary>
/// SGLang's data-parallel controller in shortest-queue mode, by tokens, as it dispatches: each arriving request goes to
/// the rank holding the fewest tokens — KV tokens of its running requests (prompts and generated tokens) plus the
/// prompts waiting in its queue, from the last load report (every 100 ms by default: <see cref="DefaultStaleSeconds"/>),
/// plus the prompts sent since — then the fewest requests, then the lowest index.
/// </summary>
public sealed class SglangTokensRouter(string name = "sglang-tokens", double staleSeconds = SglangTokensRouter.DefaultStaleSeconds)
    : SnapshotRouter(name, staleSeconds)
{
    /// <summary>SGLang's controller watches the schedulers' load every 100 ms (its load-watch interval).</summary>
    public const double DefaultStaleSeconds = 0.1;

    protected override int Choose(ClusterView state)
    {
        var best = 0;
        var bestTokens = long.MaxValue;
        var bestCount = int.MaxValue;
        for (var g = 0; g < state.Ranks; g++)
        {
            var tokens = Snapshot.KvTokens(g);
            var count = Snapshot.Requests(g);
            if (tokens < bestTokens || (tokens == bestTokens && count < bestCount))
            {
                bestTokens = tokens;
                bestCount = count;
                best = g;
            }
        }
        return best;
    }
}
