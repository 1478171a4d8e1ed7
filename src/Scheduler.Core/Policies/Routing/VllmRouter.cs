using Scheduler.Core.Model;
using Scheduler.Core.Policies.Production;

namespace Scheduler.Core.Policies.Routing;

/// <summary>
/// vLLM's data-parallel load balancer in its native form: each arriving request goes to the rank with the smallest
/// 4·waiting + running, whatever its free slots. Running and the rank's waiting queue come from the engines' load
/// snapshot, which vLLM's coordinator publishes every 100 ms (<see cref="DefaultStaleSeconds"/>); every request sent
/// since counts as waiting at once (the client's optimistic local increment). Ties go to the first rank found scanning
/// from a start that moves one rank on per request, so an idle cluster is filled round robin.
/// </summary>
public sealed class VllmRouter(string name = "vllm", double staleSeconds = VllmRouter.DefaultStaleSeconds) : SnapshotRouter(name, staleSeconds)
{
    /// <summary>vLLM's coordinator publishes the engines' request counts every 100 ms.</summary>
    public const double DefaultStaleSeconds = 0.1;

    private int _scanStart;

    protected override int Choose(ClusterView state)
    {
        var ranks = state.Ranks;
        if (_scanStart >= ranks) _scanStart = 0;
        var best = _scanStart;
        var bestScore = long.MaxValue;
        for (var k = 0; k < ranks; k++)
        {
            var g = _scanStart + k;
            if (g >= ranks) g -= ranks;
            var score = (long)VllmPolicy.WaitingWeight * Snapshot.Waiting(g) + Snapshot.Running(g);
            if (score < bestScore) { bestScore = score; best = g; }
        }
        _scanStart = _scanStart + 1 == ranks ? 0 : _scanStart + 1;
        return best;
    }
}
