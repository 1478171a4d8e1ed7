using Scheduler.Core.Model;
using Scheduler.Core.Policies.Routing;

namespace Scheduler.Core.Tests.Routing;

/// <summary>A small hand-built cluster with arrival binding for router tests: requests revealed one at a time, bound
/// by hand (setup) or by the router under test.</summary>
internal sealed class ArrivalCluster
{
    private readonly List<int> _finished = [];

    public ArrivalCluster(int ranks, int batchSize, params int[] prompts)
    {
        State = new ClusterState(new ClusterShape(ranks, batchSize), binding: BindingMode.Arrival);
        for (var i = 0; i < prompts.Length; i++) State.AddRequest(new Request(i, prompts[i], 1000, 1000));
    }

    public ClusterState State { get; }

    /// <summary>Setup, not a router: binds the next requests to the given ranks, in order.</summary>
    public void Bind(params int[] ranks)
    {
        foreach (var rank in ranks) State.Bind(State.RevealForRouting(), rank);
    }

    /// <summary>Setup: binds the next requests to the given ranks and lets every rank admit from its queue.</summary>
    public void Run(params int[] ranks)
    {
        Bind(ranks);
        State.AdmitFromBoundQueues();
    }

    /// <summary>Routes the next request with <paramref name="router"/>, binds it there and returns the rank.</summary>
    public int Route(IArrivalRouter router)
    {
        var id = State.RevealForRouting();
        var rank = router.Route(State, id);
        State.Bind(id, rank);
        return rank;
    }

    /// <summary>Routes the next <paramref name="count"/> requests; returns their ranks.</summary>
    public int[] Route(IArrivalRouter router, int count) => Enumerable.Range(0, count).Select(_ => Route(router)).ToArray();

    /// <summary>Advances the clock by decode steps of <paramref name="seconds"/>.</summary>
    public void Step(double seconds, int times = 1)
    {
        for (var i = 0; i < times; i++) State.AdvanceStep(seconds, _finished);
    }
}
