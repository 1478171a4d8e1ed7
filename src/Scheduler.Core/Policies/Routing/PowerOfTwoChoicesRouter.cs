using Scheduler.Core.Model;
using Scheduler.Core.Policies.Production;

namespace Scheduler.Core.Policies.Routing;

/// <summary>
/// Power of two choices on arrival: each request samples two distinct ranks uniformly (the only one when G = 1) and
/// goes to the one holding fewer tokens (KV tokens plus queued prompts at the last snapshot, plus prompts sent since),
/// the lower index on ties. Seeded, so a run repeats exactly.
/// </summary>
public sealed class PowerOfTwoChoicesRouter : IArrivalRouter
{
    private readonly LoadSnapshot _snapshot;
    private readonly Random _random;

    public PowerOfTwoChoicesRouter(string name = "p2c", double staleSeconds = 0, int seed = 0)
    {
        Name = name;
        _snapshot = new LoadSnapshot(staleSeconds);
        _random = new Random(seed);
    }

    public string Name { get; }

    public double StaleSeconds => _snapshot.StaleSeconds;

    public int Route(ClusterView state, int requestId)
    {
        _snapshot.RefreshIfStale(state);
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
            rank = _snapshot.KvTokens(high) < _snapshot.KvTokens(low) ? high : low;
        }
        _snapshot.RecordSent(rank, state.PromptTokens(requestId));
        return rank;
    }
}
