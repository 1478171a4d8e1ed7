using Scheduler.Core.Model;

namespace Scheduler.Core.Policies;

/// <summary>Round robin as the reference does it: the pointer restarts at rank 0 on every call and skips
/// full ranks (at most G probes per request).</summary>
public sealed class RoundRobinPolicy(string name = "round-robin") : IPlacementPolicy
{
    public string Name { get; } = name;

    public void Place(ClusterView state)
    {
        var queue = state.Queue;
        var toAssign = Math.Min(queue.Length, state.TotalFreeSlots());
        var g = 0;
        for (var i = 0; i < toAssign; i++)
        {
            var probes = 0;
            while (state.FreeSlots(g) <= 0 && probes < state.Ranks)
            {
                g = (g + 1) % state.Ranks;
                probes++;
            }
            if (state.FreeSlots(g) <= 0) return;
            state.Admit(queue[i], g);
            g = (g + 1) % state.Ranks;
        }
    }
}
