using Scheduler.Core.Model;
using Scheduler.Core.Policies.Bfio;
using Scheduler.Core.Policies;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>Light-first selection: which waiting requests enter the placement problem at all.</summary>
public sealed class SelectionTests
{
    // One rank with two free slots and eight waiting requests. With one rank Imb is 0 whatever is admitted,
    // so the solver takes the most load it is offered: what it admits shows which candidates it saw.
    private static readonly int[] Prompts = [1000, 900, 800, 700, 10, 20, 30, 40];

    private static (int[] Admitted, int Offered) Decide(double select)
    {
        var requests = new List<Request>();
        for (var i = 0; i < Prompts.Length; i++) requests.Add(new Request(i, Prompts[i], 5, 5));
        var state = new ClusterState(new Workload(requests, "test"), new ClusterShape(1, 2));
        state.RevealUpTo(requests.Count);
        state.BeginPolicyCall();
        var policy = new BfioPolicy(new BfioSettings { SelectSlack = select, Window = Prompts.Length }, new OraclePredictor());
        policy.Place(state);
        return (state.Admissions.Select(a => a.RequestId).Order().ToArray(), policy.LastProblem.Candidates);
    }

    [Fact]
    public void Light_first_selection_keeps_the_heaviest_requests_out_of_the_problem()
    {
        // 2 to admit, 6 surplus: 0.35 keeps 2 + ⌈2.1⌉ = 5, the lightest (700, 10, 20, 30, 40).
        var (admitted, offered) = Decide(0.35);
        Assert.Equal(5, offered);
        Assert.Contains(3, admitted);
        Assert.DoesNotContain(admitted, id => id < 3);
    }

    [Fact]
    public void Selection_off_offers_the_whole_queue()
    {
        var (admitted, offered) = Decide(-1);
        Assert.Equal(Prompts.Length, offered);
        Assert.Contains(0, admitted);
    }

    [Fact]
    public void Selection_share_must_be_minus_one_or_a_fraction()
    {
        Assert.Throws<PolicyParameterException>(() => new BfioSettings { SelectSlack = 1.5 }.Validate());
        Assert.Throws<PolicyParameterException>(() => new BfioSettings { SelectSlack = -0.5 }.Validate());
    }
}
