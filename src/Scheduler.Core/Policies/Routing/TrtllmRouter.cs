using Scheduler.Core.Model;
using Scheduler.Core.Policies.Production;

namespace Scheduler.Core.Policies.Routing;

/// <summary>
/// TensorRT-LLM's attention-DP balancing rule applied per arrival. Per iteration TensorRT-LLM sorts the new requests
/// longest prompt first and gives each to the rank with the smallest (Σ prompt tokens, request count, index) under an
/// equal-count cap max(⌈(Σ requests + batch)/G⌉, max requests) (<see cref="TrtllmPolicy"/>). Bound on arrival the
/// batch is the one arriving request, so the sort is moot and the rule becomes: among ranks whose request count
/// (running + waiting in its queue + sent since the snapshot) is under max(⌈(Σ requests + 1)/G⌉, max requests), the
/// one with the fewest prompt tokens (active and queued; generated tokens not counted), then fewest requests, then
/// lowest index. The cap keeps request counts within one of each other while prompts decide within that band.
/// TensorRT-LLM gathers every rank's state each iteration, so the snapshot is current by default (stale 0).
/// </summary>
public sealed class TrtllmRouter(string name = "trtllm", double staleSeconds = 0) : SnapshotRouter(name, staleSeconds)
{
    protected override int Choose(ClusterView state)
    {
        var ranks = state.Ranks;
        long totalCount = 0;
        var maxCount = 0;
        for (var g = 0; g < ranks; g++)
        {
            var c = Snapshot.Requests(g);
            totalCount += c;
            if (c > maxCount) maxCount = c;
        }
        // ⌈(Σ + 1)/G⌉ exceeds the mean, so the least loaded rank is always under the cap.
        var cap = Math.Max((int)((totalCount + 1 + ranks - 1) / ranks), maxCount);
        var best = 0;
        var bestTokens = long.MaxValue;
        var bestCount = int.MaxValue;
        for (var g = 0; g < ranks; g++)
        {
            var count = Snapshot.Requests(g);
            if (count >= cap) continue;
            var tokens = Snapshot.PromptTokens(g);
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
