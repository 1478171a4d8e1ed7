using Scheduler.Core.Model;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>The drift-aware projection: running requests grow a token per step and leave when expected.</summary>
public sealed class ProjectionTests
{
    /// <summary>One rank, requests admitted at clock 0, advanced <paramref name="steps"/> decode steps.</summary>
    internal static ClusterState RunningState(IReadOnlyList<Request> requests, int steps, int ranks = 1, int batch = 8)
    {
        var state = new ClusterState(new Workload(requests, "test"), new ClusterShape(ranks, batch));
        state.RevealUpTo(requests.Count);
        state.BeginPolicyCall();
        for (var i = 0; i < requests.Count; i++) state.Admit(i, i % ranks);
        state.CompactQueue();
        var finished = new List<int>();
        for (var k = 0; k < steps; k++) state.AdvanceStep(0.01, finished);
        return state;
    }

    [Fact]
    public void A_running_request_grows_by_one_token_per_step_and_leaves_at_its_predicted_completion()
    {
        // s = 100, o = 10, 3 tokens generated: holds 103 now, 103 + h while h < 7, nothing from h = 7.
        var state = RunningState([new Request(0, 100, 10, 10)], steps: 3);
        var column = new double[12];
        new OraclePredictor().ProjectRank(state, 0, column);
        for (var h = 0; h < column.Length; h++)
            Assert.Equal(h < 7 ? 103 + h : 0, column[h]);
    }

    [Fact]
    public void Departures_leave_the_other_requests_growing()
    {
        var state = RunningState([new Request(0, 100, 2, 2), new Request(1, 50, 100, 100)], steps: 0);
        var column = new double[5];
        new OraclePredictor().ProjectRank(state, 0, column);
        Assert.Equal([150, 152, 52, 53, 54], column);
    }

    [Fact]
    public void A_request_that_outlived_its_estimate_is_projected_to_stay()
    {
        // ô = 2 but o = 50: after 5 steps it is overdue and stays through the horizon.
        var state = RunningState([new Request(0, 100, 50, 2)], steps: 5);
        var column = new double[4];
        new OraclePredictor().ProjectRank(state, 0, column);
        Assert.Equal([105, 106, 107, 108], column);
    }

    [Fact]
    public void An_admitted_request_adds_its_prompt_plus_generated_tokens_while_it_is_expected_to_run()
    {
        var state = new ClusterState(new Workload([new Request(0, 300, 3, 3)], "test"), new ClusterShape(1, 4));
        state.RevealUpTo(1);
        var profile = new double[6];
        new OraclePredictor().ProjectCandidate(state, 0, Enumerable.Range(0, profile.Length).ToArray(), profile);
        Assert.Equal([300, 301, 302, 0, 0, 0], profile);
    }

    [Fact]
    public void Projection_cost_does_not_depend_on_token_counts()
    {
        // A 500k-token prompt is projected exactly like a short one, shifted by its size.
        var state = RunningState([new Request(0, 500_000, 4, 4)], steps: 1);
        var column = new double[6];
        new OraclePredictor().ProjectRank(state, 0, column);
        Assert.Equal([500_001, 500_002, 500_003, 0, 0, 0], column);
    }
}
