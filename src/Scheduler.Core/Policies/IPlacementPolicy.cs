using Scheduler.Core.Model;

namespace Scheduler.Core.Policies;

/// <summary>
/// Decides, at a step boundary, which queued requests enter which free slots by calling
/// <see cref="ClusterView.Admit"/>. One instance serves one run (policies may keep state between calls).
/// </summary>
public interface IPlacementPolicy
{
    /// <summary>The name the policy was created under (as given to --policy).</summary>
    string Name { get; }

    void Place(ClusterView state);

    /// <summary>
    /// Called once before the first <see cref="Place"/>, outside any decision's time, with the cluster the policy will
    /// place onto: a policy may size its buffers here, so that no decision pays for growing them (as a server's first
    /// requests would).
    /// </summary>
    void Prepare(ClusterShape shape) { }

    /// <summary>
    /// <see cref="Prepare(ClusterShape)"/> with the state itself, as the simulator and the runtime call it: a policy that
    /// keeps something per request slot may also size it for <see cref="ClusterView.SlotCapacity"/> here. (A G=128 run
    /// of 20,000 requests paid 390 µs inside one decision for the online predictor's per-slot arrays growing past 8,192.)
    /// </summary>
    void Prepare(ClusterView state) => Prepare(state.Shape);

    /// <summary>
    /// Called after every step the state advanced (by the simulator's and the runtime's loop, <c>PlacementLoop</c>), outside
    /// any decision's time: work that would otherwise fall inside a later decision, such as growing what the policy keeps
    /// as its running requests age, belongs here.
    /// </summary>
    void OnStepped(ClusterView state) { }

    /// <summary>
    /// The finished request in <paramref name="slot"/> is about to be released and its slot reused by another
    /// request: drop whatever is kept about it (a long-running service must not grow with every request seen).
    /// </summary>
    void OnReleased(ClusterView state, int slot) { }
}
