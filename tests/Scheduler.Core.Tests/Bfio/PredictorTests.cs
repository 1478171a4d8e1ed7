using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

public sealed class PredictorTests
{
    private static ClusterState Queued(params Request[] requests)
    {
        var state = new ClusterState(new Workload(requests, "test"), new ClusterShape(1, 8));
        state.RevealUpTo(requests.Length);
        return state;
    }

    [Fact]
    public void Noisy_estimates_stay_within_the_noise_band_and_are_the_same_on_every_call()
    {
        var requests = Enumerable.Range(0, 200).Select(i => new Request(i, 10, 1000, 1000)).ToArray();
        var state = Queued(requests);
        var noisy = new NoisyPredictor(0.2, seed: 7);
        var estimates = requests.Select(r => noisy.EstimatedOutput(state, r.Id)).ToArray();
        Assert.All(estimates, e => Assert.InRange(e, 800, 1200));
        Assert.Equal(estimates, requests.Reverse().Select(r => noisy.EstimatedOutput(state, r.Id)).Reverse().ToArray());
        Assert.True(estimates.Distinct().Count() > 50, "draws should vary across requests");
        Assert.NotEqual(estimates, requests.Select(r => new NoisyPredictor(0.2, seed: 8).EstimatedOutput(state, r.Id)).ToArray());
    }

    [Fact]
    public void Noisy_with_no_noise_is_the_oracle()
    {
        var state = Queued(new Request(0, 10, 37, 37), new Request(1, 10, 5, 5));
        Assert.Equal(37, new NoisyPredictor(0.0, 1).EstimatedOutput(state, 0));
        Assert.Equal(5, new NoisyPredictor(0.0, 1).EstimatedOutput(state, 1));
    }

    [Fact]
    public void The_no_lookahead_predictor_plans_for_the_current_step_only()
    {
        var predictor = PredictorCatalog.Create("none", 0.2, 1);
        Assert.False(predictor.LooksAhead);
        var policy = (BfioPolicy)PolicyCatalog.Create("bfio:predictor=none");
        var state = Queued(new Request(0, 10, 5, 5));
        state.BeginPolicyCall();
        policy.Place(state);
        Assert.Equal(1, policy.LastProblem.Rows);
    }

    [Fact]
    public void Unknown_predictor_names_are_rejected_with_the_known_ones()
    {
        var error = Assert.Throws<PolicyParameterException>(() => PolicyCatalog.Create("bfio:predictor=psychic"));
        Assert.Contains("online", error.Message);
    }

    [Fact]
    public void The_online_predictor_starts_knowing_nothing_and_projects_pure_drift()
    {
        var state = ProjectionTests.RunningState([new Request(0, 100, 3, 3)], steps: 1);
        var online = new OnlineSurvivalPredictor();
        online.BeginCall(state);
        var column = new double[5];
        online.ProjectRank(state, 0, column);
        Assert.Equal([101, 102, 103, 104, 105], column);
    }

    [Fact]
    public void The_online_predictor_learns_output_lengths_from_finished_requests()
    {
        // Twenty requests with o = 4 finish; a new one of the same prompt bucket is then expected to leave after 4 steps.
        var requests = Enumerable.Range(0, 21).Select(i => new Request(i, 100, 4, 999)).ToArray();
        var state = new ClusterState(new Workload(requests, "test"), new ClusterShape(1, 32));
        var online = new OnlineSurvivalPredictor();
        state.RevealUpTo(21);
        state.BeginPolicyCall();
        for (var i = 0; i < 20; i++) { state.Admit(i, 0); online.OnAdmitted(state, i); }
        state.CompactQueue();
        var finished = new List<int>();
        for (var k = 0; k < 4; k++) state.AdvanceStep(0.01, finished);
        Assert.Equal(20, finished.Count);
        for (var call = 0; call < OnlineSurvivalPredictor.Buckets; call++) online.BeginCall(state); // refresh every bucket's curve
        Assert.Equal(20, online.FinishedObserved);
        var profile = new double[7];
        online.ProjectCandidate(state, 20, Enumerable.Range(0, profile.Length).ToArray(), profile);
        for (var h = 0; h < 4; h++) Assert.Equal(100 + h, profile[h], 6);
        for (var h = 4; h < 7; h++) Assert.Equal(0.0, profile[h], 6);
    }

    [Fact]
    public void The_online_predictors_expected_loads_at_chosen_steps_are_its_projection_there()
    {
        // Forty requests of o = 4 or 12 finish, so the curve has two modes; three more run 2 steps. The expected loads
        // at a few steps ahead (what the arrival router asks for) equal the full projection's columns there.
        var requests = Enumerable.Range(0, 43).Select(i => new Request(i, 100 + i, i % 2 == 0 ? 4 : 12, 999)).ToArray();
        var state = new ClusterState(new Workload(requests, "test"), new ClusterShape(1, 64));
        var online = new OnlineSurvivalPredictor();
        state.RevealUpTo(43);
        state.BeginPolicyCall();
        for (var i = 0; i < 40; i++) { state.Admit(i, 0); online.OnAdmitted(state, i); }
        state.CompactQueue();
        var finished = new List<int>();
        for (var k = 0; k < 12; k++) state.AdvanceStep(0.01, finished);
        state.BeginPolicyCall();
        for (var i = 40; i < 43; i++) { state.Admit(i, 0); online.OnAdmitted(state, i); }
        state.CompactQueue();
        for (var k = 0; k < 2; k++) state.AdvanceStep(0.01, finished);
        for (var call = 0; call < OnlineSurvivalPredictor.Buckets; call++) online.BeginCall(state);

        var column = new double[16];
        online.ProjectRank(state, 0, column);
        int[] steps = [0, 1, 3, 7, 15];
        var expected = new double[steps.Length];
        Assert.True(online.ProjectRankExpected(state, 0, steps, expected));
        for (var k = 0; k < steps.Length; k++) Assert.Equal(column[steps[k]], expected[k], 9);
        Assert.True(column[3] > column[15], "the learned departures lower the projection");

        // Predictors that name one length per request leave the expectation to the caller.
        Assert.False(((IOutputPredictor)new OraclePredictor()).ProjectRankExpected(state, 0, steps, expected));
    }

    [Fact]
    public void A_ranks_expected_loads_summed_before_an_admission_take_it_to_the_last_bit_of_a_whole_sum()
    {
        // Twenty requests of o = 3 or 11 finish (a learned curve), then 32 run at ages 0–31 on one rank. The rank's sums
        // taken before one more admission in the same call, with the admission added, are the whole rank's sums after it,
        // exactly: the router keeps a rank's sums so, and where it routes must not change.
        var requests = Enumerable.Range(0, 53).Select(i => new Request(i, 50 + 37 * i % 400, i < 20 ? 3 + 8 * (i % 2) : 500, 999)).ToArray();
        var state = new ClusterState(new Workload(requests, "test"), new ClusterShape(1, 64));
        var online = new OnlineSurvivalPredictor();
        var finished = new List<int>();
        state.RevealUpTo(53);
        state.BeginPolicyCall();
        for (var i = 0; i < 20; i++) { state.Admit(i, 0); online.OnAdmitted(state, i); }
        state.CompactQueue();
        for (var k = 0; k < 12; k++) state.AdvanceStep(0.01, finished);
        foreach (var id in finished) online.OnReleased(state, id);
        for (var i = 20; i < 52; i++)
        {
            state.BeginPolicyCall();
            state.Admit(i, 0);
            online.OnAdmitted(state, i);
            state.CompactQueue();
            state.AdvanceStep(0.01, finished);
        }
        for (var call = 0; call < OnlineSurvivalPredictor.Buckets; call++) online.BeginCall(state);
        int[] steps = [0, 1, 2, 4, 8, 16, 32];
        var kept = new double[steps.Length];
        Assert.True(online.ProjectRankExpected(state, 0, steps, kept));

        state.BeginPolicyCall();
        state.Admit(52, 0);
        online.OnAdmitted(state, 52);
        var whole = new double[steps.Length];
        Assert.True(online.ProjectRankExpected(state, 0, steps, whole));
        Assert.NotEqual(whole, kept);
        Assert.True(online.AddRankExpected(state, 0, state.ActiveCount(0) - 1, steps, kept));
        Assert.Equal(whole, kept);

        // From the first entry onto nothing, it is the whole sum; a predictor of point lengths adds nothing.
        var fromStart = new double[steps.Length];
        Assert.True(online.AddRankExpected(state, 0, 0, steps, fromStart));
        Assert.Equal(whole, fromStart);
        Assert.False(((IOutputPredictor)new OraclePredictor()).AddRankExpected(state, 0, 0, steps, fromStart));
        Assert.Equal(whole, fromStart);
    }

    [Fact]
    public void The_running_oracle_knows_when_running_requests_leave_and_only_the_learned_lengths_of_queued_ones()
    {
        // Twenty requests of o = 4 finish (learned from, as online learns); then two run (o = 9 and 30, 2 steps in) and a
        // third (o = 25) waits. The running ones are projected as the oracle projects them, the queued one as online does.
        var requests = Enumerable.Range(0, 20).Select(i => new Request(i, 100, 4, 999))
            .Concat([new Request(20, 300, 9, 9), new Request(21, 500, 30, 30), new Request(22, 120, 25, 25)]).ToArray();
        var state = new ClusterState(new Workload(requests, "test"), new ClusterShape(1, 32));
        var predictor = new RunningOraclePredictor();
        var online = new OnlineSurvivalPredictor();
        state.RevealUpTo(requests.Length);
        state.BeginPolicyCall();
        for (var i = 0; i < 20; i++) { state.Admit(i, 0); predictor.OnAdmitted(state, i); online.OnAdmitted(state, i); }
        state.CompactQueue();
        var finished = new List<int>();
        for (var k = 0; k < 4; k++) state.AdvanceStep(0.01, finished);
        state.BeginPolicyCall();
        for (var i = 20; i < 22; i++) { state.Admit(i, 0); predictor.OnAdmitted(state, i); online.OnAdmitted(state, i); }
        state.CompactQueue();
        for (var k = 0; k < 2; k++) state.AdvanceStep(0.01, finished);
        for (var call = 0; call < OnlineSurvivalPredictor.Buckets; call++) { predictor.BeginCall(state); online.BeginCall(state); }

        var column = new double[12];
        var oracleColumn = new double[12];
        predictor.ProjectRank(state, 0, column);
        new OraclePredictor().ProjectRank(state, 0, oracleColumn);
        Assert.Equal(oracleColumn, column);
        Assert.Equal(7, predictor.PredictedRemaining(state, 20)); // 9 − 2: the true remaining length
        Assert.Equal(28, predictor.PredictedRemaining(state, 21));
        int[] rows = [0, 1, 2, 4, 8];
        var rowsColumn = new double[rows.Length];
        predictor.ProjectRankRows(state, 0, rows, rowsColumn);
        Assert.Equal(rows.Select(h => oracleColumn[h]).ToArray(), rowsColumn);

        // The queued request: only the learned curve (o = 4 for its prompt bucket), not its own length of 25.
        var profile = new double[8];
        var onlineProfile = new double[8];
        var steps = Enumerable.Range(0, 8).ToArray();
        predictor.ProjectCandidate(state, 22, steps, profile);
        online.ProjectCandidate(state, 22, steps, onlineProfile);
        Assert.Equal(onlineProfile, profile);
        Assert.Equal(0.0, profile[6], 9);
        Assert.Equal(online.PredictedRemaining(state, 22), predictor.PredictedRemaining(state, 22));
        Assert.NotEqual(25, predictor.PredictedRemaining(state, 22));
        Assert.False(((IOutputPredictor)predictor).PlansWholeLives);
        Assert.Equal("running-oracle", PredictorCatalog.Create("running-oracle", 0.2, 1).Name);
    }

    [Fact]
    public void An_unfinished_request_refuses_to_reveal_its_output_length()
    {
        var state = ProjectionTests.RunningState([new Request(0, 100, 50, 50)], steps: 2);
        Assert.Throws<InvalidOperationException>(() => state.FinishedOutputTokens(0));
    }
}
