using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Production;

/// <summary>
/// Power of two choices: each queued request in order samples two distinct ranks among those with free
/// slots (the only one if just one is left) and goes to the one holding fewer KV tokens (last load snapshot
/// plus prompts sent since), the lower index on ties. Seeded, so a run repeats exactly.
/// </summary>
public sealed class PowerOfTwoChoicesPolicy : IPlacementPolicy
{
    private readonly LoadSnapshot _snapshot;
    private readonly Random _random;
    private int[] _open = [];

    public PowerOfTwoChoicesPolicy(string name = "p2c", double staleSeconds = 0, int seed = 0)
    {
        Name = name;
        _snapshot = new LoadSnapshot(staleSeconds);
        _random = new Random(seed);
    }

    public string Name { get; }

    public double StaleSeconds => _snapshot.StaleSeconds;

    public void Place(ClusterView state)
    {
        _snapshot.RefreshIfStale(state);
        var open = OpenRanks.Collect(state, ref _open);
        foreach (var id in state.Queue)
        {
            if (open == 0) return;
            int rank;
            if (open == 1) rank = _open[0];
            else
            {
                var first = _random.Next(open);
                // Draw the second from the other open - 1 ranks so the pair is always distinct.
                var second = _random.Next(open - 1);
                if (second >= first) second++;
                // The open list is in index order, so the lower position is the lower index.
                var low = _open[Math.Min(first, second)];
                var high = _open[Math.Max(first, second)];
                rank = _snapshot.KvTokens(high) < _snapshot.KvTokens(low) ? high : low;
            }
            state.Admit(id, rank);
            _snapshot.RecordSent(rank, state.PromptTokens(id));
            if (state.FreeSlots(rank) == 0) open = OpenRanks.Remove(_open, open, rank);
        }
    }
}
