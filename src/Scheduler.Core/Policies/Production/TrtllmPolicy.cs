using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Production;

/// <summary>
/// TensorRT-LLM's attention-DP balancer: per call the batch is the first min(|queue|, Σ free slots) queued
/// requests; longest prompt first (stable), each goes to the rank with the smallest (Σ prompt tokens of its
/// active requests — generated tokens not counted — plus prompts sent since the snapshot, request count,
/// index) among ranks with a free slot whose request count stays under the equal-count cap
/// max(⌈(Σ active + batch)/G⌉, max active), as TensorRT-LLM's balance_requests_across_ranks caps totals.
/// Counting active requests in the cap means a free slot never waits beside a queued request.
/// </summary>
public sealed class TrtllmPolicy : IPlacementPolicy
{
    private readonly LoadSnapshot _snapshot;
    private long[] _order = [];

    public TrtllmPolicy(string name = "trtllm", double staleSeconds = 0)
    {
        Name = name;
        _snapshot = new LoadSnapshot(staleSeconds);
    }

    public string Name { get; }

    public double StaleSeconds => _snapshot.StaleSeconds;

    public void Place(ClusterView state)
    {
        _snapshot.RefreshIfStale(state);
        var queue = state.Queue;
        var ranks = state.Ranks;
        var batch = Math.Min(queue.Length, state.TotalFreeSlots());
        if (batch == 0) return;

        if (_order.Length < batch) _order = new long[Math.Max(batch, 2 * _order.Length)];

        // One key (longest prompt first, then queue position) makes the unstable primitive sort stable.
        var order = _order.AsSpan(0, batch);
        for (var i = 0; i < batch; i++)
            order[i] = ((long)(int.MaxValue - state.PromptTokens(queue[i])) << 32) | (uint)i;
        order.Sort();

        long totalCount = 0;
        var maxCount = 0;
        for (var g = 0; g < ranks; g++)
        {
            var c = _snapshot.Requests(g);
            totalCount += c;
            if (c > maxCount) maxCount = c;
        }
        var cap = Math.Max((int)((totalCount + batch + ranks - 1) / ranks), maxCount);
        foreach (var key in order)
        {
            var id = queue[(int)(key & uint.MaxValue)];
            var best = BestRank(state, cap);
            // Stale counts can put every open rank at the cap; capacity, not the cap, is the hard limit.
            if (best < 0) best = BestRank(state, int.MaxValue);
            if (best < 0) return;
            state.Admit(id, best);
            _snapshot.RecordSent(best, state.PromptTokens(id));
        }
    }

    private int BestRank(ClusterView state, int cap)
    {
        var best = -1;
        var bestTokens = long.MaxValue;
        var bestCount = int.MaxValue;
        for (var g = 0; g < state.Ranks; g++)
        {
            if (state.FreeSlots(g) <= 0 || _snapshot.Requests(g) >= cap) continue;
            var tokens = _snapshot.PromptTokens(g);
            var count = _snapshot.Requests(g);
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
