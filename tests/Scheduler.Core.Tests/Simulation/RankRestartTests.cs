using Scheduler.Core.CostModels;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;
using Scheduler.Core.Simulation;

namespace Scheduler.Core.Tests.Simulation;

/// <summary>
/// A rank lost with its KV cache: its requests go back to the queue to start over, are placed again, and each still
/// finishes exactly once, with its whole output generated after the restart, whatever the policy.
/// </summary>
public sealed class RankRestartTests
{
    private const double StepSeconds = 0.01;

    /// <summary>Loads are Σ(prompt + generated) over each rank's actives, counts add up, and the queue is dense and in arrival order.</summary>
    private static void AssertConsistent(ClusterState state)
    {
        var active = 0;
        for (var g = 0; g < state.Ranks; g++)
        {
            long load = 0;
            foreach (var id in state.ActiveRequests(g))
            {
                Assert.Equal(RequestPhase.Active, state.PhaseOf(id));
                Assert.Equal(g, state.RankOf(id));
                load += state.PromptTokens(id) + state.Generated(id);
            }
            Assert.Equal(load, state.Load(g));
            ActiveDataTests.AssertActiveDataAligned(state, g);
            active += state.ActiveCount(g);
        }
        Assert.Equal(active, state.ActiveTotal);
        var queue = state.Queue.ToArray();
        Assert.All(queue, id => Assert.Equal(RequestPhase.Queued, state.PhaseOf(id)));
        Assert.Equal(queue.OrderBy(state.Serial).ToArray(), queue);
    }

    /// <summary>2 ranks of 2 slots: requests 1 and 0 (in that order) on rank 0, 2 and 3 on rank 1, 4 and 5 waiting; 3 steps done.</summary>
    private static ClusterState TwoBusyRanks()
    {
        var state = new ClusterState(new ClusterShape(2, 2), recordAdmissions: false);
        for (var i = 0; i < 6; i++) state.AddRequest(new Request(i, 100 + 10 * i, 10, 10));
        state.RevealAll();
        state.Admit(1, 0);
        state.Admit(0, 0);
        state.Admit(2, 1);
        state.Admit(3, 1);
        state.CompactQueue();
        for (var k = 0; k < 3; k++) state.AdvanceStep(StepSeconds, []);
        return state;
    }

    [Fact]
    public void A_restarted_rank_is_left_empty_and_its_requests_wait_at_the_head_of_the_queue_in_arrival_order()
    {
        var state = TwoBusyRanks();
        var startOfZero = state.StartTime(0);
        var restarted = new List<int>();

        state.RestartRank(0, restarted);

        Assert.Equal([0, 1], restarted);
        Assert.Equal([0, 1, 4, 5], state.Queue.ToArray());
        Assert.Equal(0, state.ActiveCount(0));
        Assert.Equal(0, state.Load(0));
        Assert.Equal(2 * 3 + 120 + 130, state.Load(1));
        Assert.Equal(2, state.ActiveTotal);
        Assert.Equal(2, state.RestartedCount);
        foreach (var id in restarted)
        {
            Assert.Equal(RequestPhase.Queued, state.PhaseOf(id));
            Assert.Equal(0, state.Generated(id));
            Assert.Equal(-1, state.RankOf(id));
            Assert.True(double.IsNaN(state.FirstTokenTime(id)));
            Assert.Equal(0, state.QueuedStep(id));
        }
        Assert.Equal(startOfZero, state.StartTime(0));
        AssertConsistent(state);
    }

    [Fact]
    public void Restarted_requests_rejoin_the_queue_by_arrival_even_behind_older_requests_still_waiting()
    {
        var state = new ClusterState(new ClusterShape(2, 2), recordAdmissions: false);
        for (var i = 0; i < 6; i++) state.AddRequest(new Request(i, 100, 10, 10));
        state.RevealAll();
        // A policy that skipped 0 and 3: they wait while 1, 2, 4 and 5 decode.
        state.Admit(4, 0);
        state.Admit(1, 0);
        state.Admit(2, 1);
        state.Admit(5, 1);
        state.CompactQueue();
        state.AdvanceStep(StepSeconds, []);

        state.RestartRank(0, []);

        Assert.Equal([0, 1, 3, 4], state.Queue.ToArray());
        AssertConsistent(state);
    }

    [Fact]
    public void Restarting_an_empty_rank_changes_nothing()
    {
        var state = new ClusterState(new ClusterShape(2, 2), recordAdmissions: false);
        for (var i = 0; i < 3; i++) state.AddRequest(new Request(i, 100, 10, 10));
        state.RevealAll();
        state.Admit(0, 0);
        state.CompactQueue();
        state.AdvanceStep(StepSeconds, []);
        var restarted = new List<int>();

        state.RestartRank(1, restarted);

        Assert.Empty(restarted);
        Assert.Equal([1, 2], state.Queue.ToArray());
        Assert.Equal(101, state.Load(0));
        Assert.Equal(1, state.ActiveTotal);
        Assert.Equal(0, state.RestartedCount);
        Assert.Equal(RequestPhase.Active, state.PhaseOf(0));
    }

    [Fact]
    public void A_request_restarted_before_its_first_step_makes_no_first_token_in_it()
    {
        var state = new ClusterState(new ClusterShape(2, 2), recordAdmissions: false);
        for (var i = 0; i < 3; i++) state.AddRequest(new Request(i, 100, 10, 10));
        state.RevealAll();
        state.Admit(0, 0);
        state.Admit(1, 1);
        state.Admit(2, 0);
        state.CompactQueue();

        state.RestartRank(0, []);
        Assert.Equal([1], state.RecentAdmissions.ToArray().Select(a => a.RequestId));
        state.AdvanceStep(StepSeconds, []);

        Assert.True(double.IsNaN(state.FirstTokenTime(0)));
        Assert.True(double.IsNaN(state.FirstTokenTime(2)));
        Assert.Equal(StepSeconds, state.FirstTokenTime(1), 12);
        Assert.Equal([0, 2], state.Queue.ToArray());
        AssertConsistent(state);
    }

    [Fact]
    public void Requests_due_at_the_same_step_as_restarted_ones_still_finish_then_and_the_restarted_ones_finish_after_their_full_output_again()
    {
        // Every request takes 10 steps: the 4 admitted at step 0 share one finish bucket, rank 0's 2 of them leave it.
        var state = TwoBusyRanks();
        state.RestartRank(0, []);
        var finished = new List<int>();
        var admittedAt = new Dictionary<int, int>();
        while (!state.AllFinished)
        {
            state.BeginPolicyCall();
            new FcfsPolicy().Place(state);
            foreach (var a in state.RecentAdmissions) admittedAt[a.RequestId] = a.Step;
            state.CompactQueue();
            var before = finished.Count;
            state.AdvanceStep(StepSeconds, finished);
            foreach (var id in finished.Skip(before))
            {
                // A request leaves exactly 10 steps after its last admission: the restarted ones after their second.
                Assert.Equal(admittedAt.GetValueOrDefault(id, 0) + 10, state.Step);
                Assert.Equal(10, state.Generated(id));
            }
            AssertConsistent(state);
        }

        Assert.Equal([2, 3], finished.Take(2).Order());
        Assert.Equal(6, finished.Count);
        Assert.Equal(6, finished.Distinct().Count());
        Assert.Equal(3, admittedAt[0]);
        Assert.Equal(3, admittedAt[1]);
    }

    [Fact]
    public void A_rank_lost_during_a_step_reports_nothing_and_the_step_applies_without_its_requests()
    {
        var shape = new ClusterShape(2, 4);
        var loop = new PlacementLoop(shape, PolicyCatalog.Create("fcfs"));
        for (var i = 0; i < 12; i++) loop.Add(new Request(i, 100 + i, 5, 5));
        loop.CompleteInput();
        var ranks = new TestRanks(shape.Ranks, ReferenceLinearCost.ForBatch(shape.BatchSize));
        Assert.Equal(LoopAction.RunStep, loop.Advance());
        ranks.Step(loop);
        Assert.Equal(LoopAction.RunStep, loop.Advance());
        var lost = loop.State.ActiveRequests(0).ToArray();
        var firstAdmitted = loop.State.Clock;

        ranks.Step(loop, lostRank: 0);
        var lossStepEnd = loop.State.Clock;

        Assert.Equal(2, loop.State.Step);
        Assert.Equal(4, loop.LastStep.ActiveBefore);
        Assert.Equal(0, ranks.HeldOn(0));
        // The lost requests wait at the head, ahead of the 4 that never ran, and were not placed yet.
        Assert.Equal(lost.Order().Concat([8, 9, 10, 11]), loop.State.Queue.ToArray());
        Assert.Equal(0, loop.State.Load(0));
        AssertConsistent(loop.State);

        var finishedTimes = new List<int>();
        while (loop.Advance() == LoopAction.RunStep) finishedTimes.AddRange(ranks.Step(loop).ToArray());

        Assert.Equal(12, finishedTimes.Count);
        Assert.Equal(12, finishedTimes.Distinct().Count());
        foreach (var id in lost)
        {
            // ttft counts to the first token after the restart; queued time to the first admission.
            Assert.True(loop.State.FirstTokenTime(id) > lossStepEnd, $"request {id}'s first token predates its restart");
            Assert.True(loop.State.StartTime(id) < firstAdmitted, $"request {id} lost its first admission time");
            Assert.Equal(5, loop.State.Generated(id));
        }
    }

    [Fact]
    public void A_step_whose_report_still_holds_a_restarted_rank_s_requests_is_refused()
    {
        var loop = new PlacementLoop(new ClusterShape(1, 4), PolicyCatalog.Create("fcfs"));
        loop.Add(new Request(0, 100, 10, 10));
        loop.CompleteInput();
        Assert.Equal(LoopAction.RunStep, loop.Advance());

        loop.RestartRank(0);
        var stale = new RankStepReport(1, 100, 0.01, Array.Empty<long>());
        var error = Assert.Throws<InvalidOperationException>(() => loop.ApplyStep(new StepReport(1, 0.01, 0, new[] { stale }), 0.01));

        Assert.Contains("disagree", error.Message);
    }

    /// <summary>Four requests of one prompt bucket, the longest alone on rank 0, stepped to the end with the online predictor told
    /// every step; with <paramref name="restartAt"/>, rank 0 is lost at that step and its request admitted again at once.</summary>
    private static double[] LearnedProfile(int restartAt)
    {
        var state = new ClusterState(new ClusterShape(2, 4), recordAdmissions: false);
        var predictor = new OnlineSurvivalPredictor();
        int[] outputs = [30, 5, 8, 12];
        for (var i = 0; i < outputs.Length; i++) state.AddRequest(new Request(i, 200, outputs[i], outputs[i]));
        state.RevealAll();
        for (var i = 0; i < outputs.Length; i++)
        {
            state.Admit(i, i == 0 ? 0 : 1);
            predictor.OnAdmitted(state, i);
        }
        state.CompactQueue();
        while (!state.AllFinished)
        {
            predictor.BeginCall(state);
            if (state.Step == restartAt)
            {
                state.RestartRank(0, []);
                predictor.BeginCall(state);
                state.Admit(0, 0);
                predictor.OnAdmitted(state, 0);
                state.CompactQueue();
            }
            state.AdvanceStep(StepSeconds, []);
        }
        // Every bucket's curve refreshed from the final counts.
        for (var k = 0; k < 2 * OnlineSurvivalPredictor.Buckets; k++) predictor.BeginCall(state);
        Assert.Equal(outputs.Length, predictor.FinishedObserved);
        var profile = new double[40];
        predictor.ProjectCandidate(state, 0, Enumerable.Range(0, profile.Length).ToArray(), profile);
        return profile;
    }

    [Fact]
    public void A_restarted_request_teaches_the_online_predictor_what_it_would_have_taught_running_once()
    {
        Assert.Equal(LearnedProfile(restartAt: -1), LearnedProfile(restartAt: 20));
    }

    public static TheoryData<string> Policies()
    {
        var names = new TheoryData<string>();
        foreach (var name in PolicyCatalog.Names) names.Add(name);
        foreach (var predictor in PredictorCatalog.Names) names.Add($"bfio:predictor={predictor}");
        return names;
    }

    private static Workload Mixed(int count, int seed)
    {
        var random = new Random(seed);
        var requests = new Request[count];
        for (var i = 0; i < count; i++)
        {
            var output = random.Next(10) == 0 ? random.Next(60, 200) : random.Next(1, 40);
            requests[i] = new Request(i, random.Next(10) == 0 ? random.Next(2000, 6000) : random.Next(10, 800), output, output);
        }
        return new Workload(requests, $"mixed(seed {seed})");
    }

    /// <summary>Rank losses early in the run: some while a step runs, some between steps, one rank twice in a row. Finitely many:
    /// a rank lost more often than a request lasts would restart it forever.</summary>
    private static (int Rank, bool DuringStep)? LossAt(int step) => step switch
    {
        5 => (1, true),
        12 => (2, false),
        13 => (2, true),
        30 => (0, false),
        47 => (3, true),
        64 => (1, false),
        _ => null,
    };

    [Theory]
    [MemberData(nameof(Policies))]
    public void Every_policy_survives_rank_losses_mid_run_and_finishes_every_request_once_with_its_output_made_after_its_last_restart(string policy)
    {
        var shape = new ClusterShape(4, 6);
        var workload = Mixed(400, seed: 3);
        var loop = new PlacementLoop(shape, PolicyCatalog.Create(policy));
        foreach (var r in workload.Requests) loop.Add(r);
        loop.CompleteInput();
        var ranks = new TestRanks(shape.Ranks, ReferenceLinearCost.ForBatch(shape.BatchSize));
        var finishedTimes = new int[workload.Count];
        var lastRestart = new double[workload.Count];
        while (loop.Advance() == LoopAction.RunStep)
        {
            var loss = LossAt(loop.RunningStep);
            var lost = loss is { DuringStep: true } ? loop.State.ActiveRequests(loss.Value.Rank).ToArray() : [];
            foreach (var id in lost) lastRestart[id] = loop.State.Clock;
            foreach (var id in ranks.Step(loop, lostRank: loss is { DuringStep: true } ? loss.Value.Rank : -1)) finishedTimes[id]++;
            if (loss is { DuringStep: false })
                foreach (var id in ranks.Lose(loop, loss.Value.Rank)) lastRestart[id] = loop.State.Clock;
            AssertConsistent(loop.State);
        }

        Assert.True(loop.IsFinished);
        Assert.All(finishedTimes, n => Assert.Equal(1, n));
        Assert.True(loop.State.RestartedCount >= 10, $"only {loop.State.RestartedCount} requests were restarted");
        var state = loop.State;
        for (var id = 0; id < workload.Count; id++)
        {
            Assert.Equal(workload[id].OutputTokens, state.Generated(id));
            if (lastRestart[id] > 0) Assert.True(state.FirstTokenTime(id) > lastRestart[id], $"request {id}: first token before its restart");
        }
        // Each restart costs one more admission of the same request.
        Assert.Equal(workload.Count + state.RestartedCount, state.Admissions.Count);
    }

    [Theory]
    [InlineData("bfio:predictor=online")]
    [InlineData("bfio")]
    [InlineData("sglang-tokens:stale=0.05")]
    [InlineData("p2c")]
    public void A_live_loop_that_loses_ranks_and_releases_slots_finishes_every_request_once_and_learns_from_each_once(string policy)
    {
        var shape = new ClusterShape(4, 8);
        var loop = new PlacementLoop(shape, PolicyCatalog.Create(policy),
            new PlacementLoopOptions { Arrivals = ArrivalMode.Live, RecordAdmissions = false, KeepHistory = false });
        var ranks = new TestRanks(shape.Ranks, ReferenceLinearCost.ForBatch(shape.BatchSize));
        var random = new Random(9);
        const int total = 3000;
        var added = 0;
        long finished = 0;
        var clock = 0.0;
        while (true)
        {
            while (added < total && loop.State.LiveCount < 80)
            {
                var output = random.Next(1, 40);
                loop.Add(new Request(added++, random.Next(10, 3000), output, output, clock));
            }
            if (added == total) loop.CompleteInput();
            var action = loop.Advance();
            if (action == LoopAction.Finished) break;
            Assert.Equal(LoopAction.RunStep, action);
            clock += StepSeconds;
            // A loss every 97 steps, round the ranks: a rank lost every 388 steps outlasts the longest request (39 steps).
            var lostRank = loop.RunningStep % 97 == 0 ? loop.RunningStep / 97 % shape.Ranks : -1;
            foreach (var slot in ranks.Step(loop, clockAdvance: StepSeconds, lostRank: lostRank).ToArray())
            {
                loop.Release(slot);
                finished++;
            }
        }

        Assert.Equal(total, finished);
        Assert.Equal(total, loop.State.FinishedCount);
        Assert.Equal(0, loop.State.LiveCount);
        Assert.True(loop.State.RestartedCount > 0);
        if (loop.Policy is BfioPolicy { Predictor: OnlineSurvivalPredictor online })
            Assert.Equal(total, online.FinishedObserved);
    }
}
