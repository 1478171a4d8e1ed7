using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Production;

/// <summary>
/// SGLang's data-parallel controller in shortest-queue mode by tokens: each queued request in order goes to
/// the rank with free slots holding the fewest KV tokens (prompts and generated tokens at the last load
/// snapshot, plus prompts sent since), then the fewest requests, then the lowest index.
/// </summary>
public sealed class SglangTokensPolicy : IPlacementPolicy
{
    private readonly LoadSnapshot _snapshot;

    public SglangTokensPolicy(string name = "sglang-tokens", double staleSeconds = 0)
    {
        Name = name;
        _snapshot = new LoadSnapshot(staleSeconds);
    }

    public string Name { get; }

    public double StaleSeconds => _snapshot.StaleSeconds;

    public void Place(ClusterView state)
    {
        _snapshot.RefreshIfStale(state);
        foreach (var id in state.Queue)
        {
            var best = -1;
            var bestTokens = long.MaxValue;
            var bestCount = int.MaxValue;
            for (var g = 0; g < state.Ranks; g++)
            {
                if (state.FreeSlots(g) <= 0) continue;
                var tokens = _snapshot.KvTokens(g);
                var count = _snapshot.Requests(g);
                if (tokens < bestTokens || (tokens == bestTokens && count < bestCount))
                {
                    bestTokens = tokens;
                    bestCount = count;
                    best = g;
                }
            }
            if (best < 0) return;
            state.Admit(id, best);
            _snapshot.RecordSent(best, state.PromptTokens(id));
        }
    }
}
