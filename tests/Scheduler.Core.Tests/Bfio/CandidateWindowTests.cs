using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>
/// Which waiting requests a call may choose from: the first G of the queue (at least Σ free slots), and past them,
/// up to the window, only those that arrived together with the last of them.
/// </summary>
public sealed class CandidateWindowTests
{
    private const int Ranks = 4;

    /// <summary>
    /// G=4, B=2: six requests running (two slots free) and 40 more waiting, arriving at <paramref name="arrival"/>(id);
    /// returns how many candidates the call offered the solver.
    /// </summary>
    private static int Offered(Func<int, double> arrival)
    {
        var requests = new List<Request>();
        for (var i = 0; i < 46; i++) requests.Add(new Request(i, 100 + 37 * (i % 9), 50 + i % 7, 50 + i % 7, arrival(i)));
        var state = new ClusterState(new Workload(requests, "window"), new ClusterShape(Ranks, 2));
        // Six requests running, so two slots are free and more requests wait than fit (the solver chooses).
        state.RevealArrivedBy(double.PositiveInfinity);
        for (var i = 0; i < 6; i++) state.Admit(i, i % Ranks);
        state.CompactQueue();
        state.BeginPolicyCall();
        // Light-first selection off, so the problem holds every candidate the window offered.
        var policy = new BfioPolicy(new BfioSettings { SelectSlack = -1 }, new OraclePredictor());
        policy.Place(state);
        Assert.Equal(2, state.Admissions.Count - 6);
        return policy.LastProblem.Candidates;
    }

    [Fact]
    public void Requests_that_arrived_one_after_another_offer_the_first_G()
    {
        Assert.Equal(Ranks, Offered(i => 0.01 * i));
    }

    [Fact]
    public void A_backlog_that_arrived_at_once_offers_the_whole_window()
    {
        Assert.Equal(4 * Ranks, Offered(_ => 0.0));
    }

    [Fact]
    public void Past_the_first_G_only_the_requests_that_arrived_with_the_last_of_them_join()
    {
        // Requests 6..9 are the first G waiting; 9..13 arrived together (at 1 s), 14 and on later.
        Assert.Equal(Ranks + 4, Offered(i => i < 9 ? 0.01 * i : i < 14 ? 1.0 : 1.0 + 0.01 * i));
    }
}
