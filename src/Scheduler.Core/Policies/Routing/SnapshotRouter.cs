using Scheduler.Core.Model;
using Scheduler.Core.Policies.Production;

namespace Scheduler.Core.Policies.Routing;

/// <summary>
/// A production router as its front end runs: it reads the ranks' load from the last snapshot they reported (taken
/// again once <see cref="StaleSeconds"/> old), chooses a rank by its own rule (<see cref="Choose"/>), and counts the
/// request as sent there at once (the optimistic local increment), so the next arrival sees it before any report does.
/// </summary>
public abstract class SnapshotRouter(string name, double staleSeconds) : IArrivalRouter
{
    /// <summary>The ranks' load as last reported, plus what this router has sent since.</summary>
    private protected LoadSnapshot Snapshot { get; } = new(staleSeconds);

    public string Name { get; } = name;

    public double StaleSeconds => Snapshot.StaleSeconds;

    public int Route(ClusterView state, int requestId)
    {
        Snapshot.RefreshIfStale(state);
        var rank = Choose(state);
        Snapshot.RecordSent(rank, state.PromptTokens(requestId));
        return rank;
    }

    /// <summary>The rank for the arriving request, by this router's rule on <see cref="Snapshot"/>.</summary>
    protected abstract int Choose(ClusterView state);
}
