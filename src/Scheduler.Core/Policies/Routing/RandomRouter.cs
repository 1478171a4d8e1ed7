using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Routing;

/// <summary>Each arriving request goes to a rank drawn uniformly. Seeded, so a run repeats exactly; it reads no load.</summary>
public sealed class RandomRouter(string name = "random", int seed = 0) : IArrivalRouter
{
    private readonly Random _random = new(seed);

    public string Name { get; } = name;

    public int Route(ClusterView state, int requestId) => _random.Next(state.Ranks);
}
