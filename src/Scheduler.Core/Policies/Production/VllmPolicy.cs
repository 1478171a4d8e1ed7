using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Production;

/// <summary>
/// vLLM's data-parallel load balancer: each queued request in order goes to the rank with free slots and
/// the smallest 4·waiting + running, where running comes from the last load snapshot and waiting counts the
/// requests sent since it. Ties go to the first rank found scanning from a start that moves one rank on
/// per placement, so an idle cluster is filled round robin.
/// </summary>
public sealed class VllmPolicy : IPlacementPolicy
{
    /// <summary>vLLM weighs a request it sent but the engine has not yet reported four times a running one.</summary>
    public const int WaitingWeight = 4;

    private readonly LoadSnapshot _snapshot;
    private int _scanStart;

    public VllmPolicy(string name = "vllm", double staleSeconds = 0)
    {
        Name = name;
        _snapshot = new LoadSnapshot(staleSeconds);
    }

    public string Name { get; }

    public double StaleSeconds => _snapshot.StaleSeconds;

    public void Place(ClusterView state)
    {
        _snapshot.RefreshIfStale(state);
        var ranks = state.Ranks;
        if (_scanStart >= ranks) _scanStart = 0;
        foreach (var id in state.Queue)
        {
            var best = -1;
            var bestScore = long.MaxValue;
            for (var k = 0; k < ranks; k++)
            {
                var g = _scanStart + k;
                if (g >= ranks) g -= ranks;
                if (state.FreeSlots(g) <= 0) continue;
                var score = (long)WaitingWeight * _snapshot.Waiting(g) + _snapshot.Running(g);
                if (score < bestScore) { bestScore = score; best = g; }
            }
            if (best < 0) return;
            state.Admit(id, best);
            _snapshot.RecordSent(best, state.PromptTokens(id));
            _scanStart = _scanStart + 1 == ranks ? 0 : _scanStart + 1;
        }
    }
}
