using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Production;

/// <summary>Each queued request in order goes to a rank drawn uniformly among those with free slots.
/// Seeded, so a run repeats exactly; it reads no load, so staleness does not apply.</summary>
public sealed class RandomPolicy : IPlacementPolicy
{
    private readonly Random _random;
    private int[] _open = [];

    public RandomPolicy(string name = "random", int seed = 0)
    {
        Name = name;
        _random = new Random(seed);
    }

    public string Name { get; }

    public void Place(ClusterView state)
    {
        var open = OpenRanks.Collect(state, ref _open);
        foreach (var id in state.Queue)
        {
            if (open == 0) return;
            var rank = _open[_random.Next(open)];
            state.Admit(id, rank);
            if (state.FreeSlots(rank) == 0) open = OpenRanks.Remove(_open, open, rank);
        }
    }
}
