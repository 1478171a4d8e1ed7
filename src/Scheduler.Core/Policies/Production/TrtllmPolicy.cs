using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Production;

/// <summary>
/// TensorRT-LLM's attention-DP balancer: per call the batch is the first min(|queue|, Σ free slots) queued
/// requests; longest prompt first (stable), each goes to the rank with the smallest (Σ prompt tokens of its
/// active requests — generated tokens not counted — plus prompts sent since the snapshot, request count,
/// index) among ranks with a free slot that hold fewer than ⌈batch/G⌉ of this batch (the equal-count cap).
/// </summary>
public sealed class TrtllmPolicy : IPlacementPolicy
{
    private readonly LoadSnapshot _snapshot;
    private long[] _order = [];
    private int[] _batchCount = [];

    public TrtllmPolicy(string name = "trtllm", double staleSeconds = 0)
    {
        Name = name;
        _snapshot = new LoadSnapshot(staleSeconds);
    }

    public string Name { get; }

    public double StaleSeconds => _snapshot.StaleSeconds;

    public void Place(ClusterState state)
    {
        _snapshot.RefreshIfStale(state);
        var queue = state.Queue;
        var ranks = state.Ranks;
        var batch = Math.Min(queue.Length, state.TotalFreeSlots());
        if (batch == 0) return;

        if (_order.Length < batch) _order = new long[Math.Max(batch, 2 * _order.Length)];
        if (_batchCount.Length != ranks) _batchCount = new int[ranks];
        Array.Clear(_batchCount);

        // One key (longest prompt first, then queue position) makes the unstable primitive sort stable.
        var order = _order.AsSpan(0, batch);
        for (var i = 0; i < batch; i++)
            order[i] = ((long)(int.MaxValue - state.PromptTokens(queue[i])) << 32) | (uint)i;
        order.Sort();

        var cap = (batch + ranks - 1) / ranks;
        foreach (var key in order)
        {
            var id = queue[(int)(key & uint.MaxValue)];
            var best = -1;
            var bestTokens = long.MaxValue;
            var bestCount = int.MaxValue;
            for (var g = 0; g < ranks; g++)
            {
                if (state.FreeSlots(g) <= 0 || _batchCount[g] >= cap) continue;
                var tokens = _snapshot.PromptTokens(g);
                var count = _snapshot.Requests(g);
                if (tokens < bestTokens || (tokens == bestTokens && count < bestCount))
                {
                    bestTokens = tokens;
                    bestCount = count;
                    best = g;
                }
            }
            // Every request sees the same eligible ranks, so once none is left the batch is done.
            if (best < 0) return;
            state.Admit(id, best);
            _snapshot.RecordSent(best, state.PromptTokens(id));
            _batchCount[best]++;
        }
    }
}
