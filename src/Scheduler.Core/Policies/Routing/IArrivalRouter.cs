using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Routing;

/// <summary>
/// Binds each request to a rank when it arrives, as vLLM's, SGLang's and TensorRT-LLM's data-parallel front ends do
/// (<see cref="BindingMode.Arrival"/>): the request then waits in that rank's own FIFO queue
/// (<see cref="ClusterView.BoundQueue"/>) until a slot frees there. Called once per request, in arrival order, so a
/// router sees the bindings it has just made. One instance serves one run (routers may keep state between calls).
/// </summary>
public interface IArrivalRouter
{
    /// <summary>The name the router was created under (as given to --policy).</summary>
    string Name { get; }

    /// <summary>The rank (0..G−1) for <paramref name="requestId"/>, which waits unbound: its prompt, prediction and
    /// arrival are readable, it is in no rank's queue yet. Capacity is not the router's concern: a full rank queues it.</summary>
    int Route(ClusterView state, int requestId);

    /// <summary>
    /// Called once before the first <see cref="Route"/>, outside any decision's time, with the cluster the router will
    /// bind onto: a router may size its buffers here, so that no decision pays for growing them.
    /// </summary>
    void Prepare(ClusterShape shape) { }

    /// <summary><see cref="Prepare(ClusterShape)"/> with the state itself, as the simulator calls it: a router that keeps
    /// something per request slot may also size it for <see cref="ClusterView.SlotCapacity"/> here.</summary>
    void Prepare(ClusterView state) => Prepare(state.Shape);

    /// <summary>Called after every step the state advanced, outside any routing's time (see
    /// <see cref="IPlacementPolicy.OnStepped"/>).</summary>
    void OnStepped(ClusterView state) { }

    /// <summary>
    /// The finished request in <paramref name="slot"/> is about to be released and its slot reused by another
    /// request: drop whatever is kept about it (a long-running service must not grow with every request seen).
    /// </summary>
    void OnReleased(ClusterView state, int slot) { }
}
