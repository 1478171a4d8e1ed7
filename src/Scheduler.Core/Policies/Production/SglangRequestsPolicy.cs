using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Production;

/// <summary>
/// SGLang's data-parallel controller in shortest-queue mode by requests: each queued request in order goes
/// to the rank with free slots and the fewest running + waiting requests (running from the last load
/// snapshot, waiting = sent since it), lowest index on ties.
/// </summary>
public sealed class SglangRequestsPolicy : IPlacementPolicy
{
    private readonly LoadSnapshot _snapshot;

    public SglangRequestsPolicy(string name = "sglang-requests", double staleSeconds = 0)
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
            var bestCount = int.MaxValue;
            for (var g = 0; g < state.Ranks; g++)
            {
                if (state.FreeSlots(g) <= 0) continue;
                var count = _snapshot.Requests(g);
                if (count < bestCount) { bestCount = count; best = g; }
            }
            if (best < 0) return;
            state.Admit(id, best);
            _snapshot.RecordSent(best, state.PromptTokens(id));
        }
    }
}
