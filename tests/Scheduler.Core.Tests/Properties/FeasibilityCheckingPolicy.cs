using Scheduler.Core.Model;
using Scheduler.Core.Policies;

namespace Scheduler.Core.Tests.Properties;

/// <summary>Wraps a policy and checks every call independently of <see cref="ClusterView.Admit"/>'s own
/// guards: only requests queued at call start are admitted, none twice, no rank over B.</summary>
public sealed class FeasibilityCheckingPolicy(IPlacementPolicy inner) : IPlacementPolicy
{
    private readonly HashSet<int> _everAdmitted = [];

    public string Name => inner.Name;
    public List<string> Violations { get; } = [];

    public void Place(ClusterView state)
    {
        var queuedAtStart = new HashSet<int>(state.Queue.ToArray());
        var before = state.Admissions.Count;
        inner.Place(state);
        for (var i = before; i < state.Admissions.Count; i++)
        {
            var a = state.Admissions[i];
            if (!queuedAtStart.Contains(a.RequestId)) Violations.Add($"step {a.Step}: request {a.RequestId} was not queued");
            if (!_everAdmitted.Add(a.RequestId)) Violations.Add($"step {a.Step}: request {a.RequestId} admitted twice");
        }
        for (var g = 0; g < state.Ranks; g++)
            if (state.ActiveCount(g) > state.BatchSize) Violations.Add($"step {state.Step}: rank {g} holds {state.ActiveCount(g)} > B");
    }
}
