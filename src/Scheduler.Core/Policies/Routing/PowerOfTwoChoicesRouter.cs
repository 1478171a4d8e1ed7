using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Routing;

/// <summary>
/// Power of two choices on arrival: each request samples two distinct ranks uniformly (the only one when G = 1) and
/// goes to the one holding fewer tokens (KV tokens plus queued prompts at the last snapshot, plus prompts sent since),
/// the lower index on ties. Seeded, so a run repeats exactly.
/// </summary>
public sealed class PowerOfTwoChoicesRouter(string name = "p2c", double staleSeconds = 0, int seed = 0) : SnapshotRouter(name, staleSeconds)
{
    private readonly Random _random = new(seed);

    protected override int Choose(ClusterView state)
    {
        var ranks = state.Ranks;
        var rank = 0;
        if (ranks > 1)
        {
            var first = _random.Next(ranks);
            // Draw the second from the other G − 1 ranks so the pair is always distinct.
            var second = _random.Next(ranks - 1);
            if (second >= first) second++;
            var low = Math.Min(first, second);
            var high = Math.Max(first, second);
            rank = Snapshot.KvTokens(high) < Snapshot.KvTokens(low) ? high : low;
        }
        return rank;
    }
}
