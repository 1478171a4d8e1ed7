using Scheduler.Core.Model;

namespace Scheduler.Core.Policies;

/// <summary>First come, first served: the first Σcap queued requests fill rank 0's free slots, then rank 1's, …</summary>
public sealed class FcfsPolicy(string name = "fcfs") : IPlacementPolicy
{
    public string Name { get; } = name;

    public void Place(ClusterView state)
    {
        var queue = state.Queue;
        var q = 0;
        for (var g = 0; g < state.Ranks && q < queue.Length; g++)
        {
            var free = state.FreeSlots(g);
            for (var k = 0; k < free && q < queue.Length; k++)
                state.Admit(queue[q++], g);
        }
    }
}
