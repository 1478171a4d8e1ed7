using Scheduler.Core.Model;

namespace Scheduler.Core.Policies;

/// <summary>Join the shortest queue by tokens: each queued request in order goes to the rank with free
/// capacity and the smallest current load (lowest index on ties); the load grows at once.</summary>
public sealed class JoinShortestQueuePolicy(string name = "jsq") : IPlacementPolicy
{
    public string Name { get; } = name;

    public void Place(ClusterView state)
    {
        foreach (var id in state.Queue)
        {
            var best = -1;
            var bestLoad = long.MaxValue;
            for (var g = 0; g < state.Ranks; g++)
            {
                if (state.FreeSlots(g) <= 0) continue;
                var load = state.Load(g);
                if (load < bestLoad) { bestLoad = load; best = g; }
            }
            if (best < 0) return;
            state.Admit(id, best);
        }
    }
}
