using Scheduler.Core.Model;
using Scheduler.Core.Policies.Routing;

namespace Scheduler.Core.Tests.Routing;

/// <summary>Sends every request to one rank.</summary>
internal sealed class FixedRouter(int rank) : IArrivalRouter
{
    public string Name => $"fixed-{rank}";

    public int Route(ClusterView state, int requestId) => rank;
}
