using Scheduler.Core.Model;
using Scheduler.Core.Policies.Routing;

namespace Scheduler.Core.Tests.Routing;

/// <summary>Wraps a router and keeps every binding it made, in call order, with what the router saw of the rank's queue.</summary>
internal sealed class RecordingRouter(IArrivalRouter inner) : IArrivalRouter
{
    public List<(int Request, int Rank, int BoundBefore)> Bindings { get; } = [];

    public string Name => inner.Name;

    public int Route(ClusterView state, int requestId)
    {
        Assert.Equal(RequestPhase.Queued, state.PhaseOf(requestId));
        Assert.Equal(-1, state.BoundRankOf(requestId));
        var rank = inner.Route(state, requestId);
        Bindings.Add((requestId, rank, (uint)rank < (uint)state.Ranks ? state.BoundCount(rank) : -1));
        return rank;
    }
}
