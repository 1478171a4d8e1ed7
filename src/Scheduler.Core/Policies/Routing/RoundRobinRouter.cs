using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Routing;

/// <summary>
/// Round robin on arrival (SGLang's default DP dispatch): request after request goes to ranks 0, 1, …, G−1, 0, …,
/// whatever they hold. The pointer persists across calls, unlike the pool policy's, which starts at rank 0 on each.
/// </summary>
public sealed class RoundRobinRouter(string name = "round-robin") : IArrivalRouter
{
    private int _next;

    public string Name { get; } = name;

    public int Route(ClusterView state, int requestId)
    {
        if (_next >= state.Ranks) _next = 0;
        return _next++;
    }
}
