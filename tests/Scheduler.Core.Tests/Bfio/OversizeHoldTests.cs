using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>An oversize request gets a rank held for it instead of lifting one rank far above the rest.</summary>
public sealed class OversizeHoldTests
{
    private const int Giant = 84;

    /// <summary>
    /// G=4, B=32: 1,000-token requests fill the ranks 16 a step (the reveal window); at step 5, with every rank
    /// near 24,000 tokens, a 20,000-token prompt shows up.
    /// </summary>
    private static Workload Build()
    {
        var requests = new Request[130];
        for (var i = 0; i < requests.Length; i++)
        {
            var prompt = i == Giant ? 20000 : 1000;
            var output = 20 + i % 10;
            requests[i] = new Request(i, prompt, output, output);
        }
        return new Workload(requests, "oversize");
    }

    [Fact]
    public void The_giant_waits_for_a_held_rank_and_is_admitted_there()
    {
        var shape = new ClusterShape(4, 32);
        var state = new ClusterState(Build(), shape);
        var policy = (BfioPolicy)PolicyCatalog.Create("bfio");
        var finished = new List<int>();
        int heldRank = -1, firstSeen = -1;
        for (var k = 0; k < 400 && !state.AllFinished; k++)
        {
            state.RevealUpTo(shape.RevealWindow);
            state.BeginPolicyCall();
            var visible = state.IsQueued(Giant);
            policy.Place(state);
            if (visible && firstSeen < 0)
            {
                firstSeen = state.Step;
                Assert.True(state.IsQueued(Giant), "the giant went in at once, lifting one rank 20,000 tokens above the others");
                Assert.Equal(1, policy.HeldRanks.Length);
                heldRank = policy.HeldRanks[0];
            }
            state.CompactQueue();
            finished.Clear();
            state.AdvanceStep(0.01, finished);
        }
        Assert.True(firstSeen >= 1, "the giant should have been seen");
        Assert.Equal(RequestPhase.Finished, state.PhaseOf(Giant));
        Assert.Equal(heldRank, state.RankOf(Giant));
        Assert.True(policy.HeldRanks.IsEmpty);
    }

    /// <summary>
    /// G=4, B=8 full of 1,000-token requests that run 40–49 steps, with 16 more always shown (the reveal window): a
    /// 20,000-token prompt shows up while more requests wait than there are free slots. The solver leaves it out by
    /// itself, so no rank is held (a held slot would idle while the other ranks stay where they are): every call
    /// fills every free slot, and the giant still finishes, once.
    /// </summary>
    [Fact]
    public void No_rank_is_held_while_more_requests_wait_than_there_are_free_slots()
    {
        var requests = new Request[160];
        const int giant = 40;
        for (var i = 0; i < requests.Length; i++)
        {
            var output = 40 + i % 10;
            requests[i] = new Request(i, i == giant ? 20000 : 1000, output, output);
        }
        var shape = new ClusterShape(4, 8);
        var state = new ClusterState(new Workload(requests, "oversize-saturated"), shape);
        var policy = (BfioPolicy)PolicyCatalog.Create("bfio");
        var finished = new List<int>();
        var callsWithGiantWaiting = 0;
        for (var k = 0; k < 2000 && !state.AllFinished; k++)
        {
            state.RevealUpTo(shape.RevealWindow);
            state.BeginPolicyCall();
            var queued = state.QueueCount;
            var free = state.TotalFreeSlots();
            var giantWaiting = state.IsQueued(giant);
            var before = state.Admissions.Count;
            policy.Place(state);
            if (giantWaiting && queued > free && free > 0)
            {
                callsWithGiantWaiting++;
                Assert.True(policy.HeldRanks.IsEmpty, $"step {state.Step}: a rank was held with {queued} waiting for {free} free slots");
                Assert.Equal(free, state.Admissions.Count - before);
            }
            state.CompactQueue();
            finished.Clear();
            state.AdvanceStep(0.01, finished);
        }
        Assert.True(callsWithGiantWaiting > 0, "the giant should have waited while the cluster was saturated");
        Assert.True(state.AllFinished);
        Assert.Equal(RequestPhase.Finished, state.PhaseOf(giant));
        Assert.Single(state.Admissions, a => a.RequestId == giant);
    }

    /// <summary>
    /// G=2, B=4: rank 0 full of 1,000-token requests, rank 1 running one; a 20,000-token prompt waits with two light
    /// ones. The first call holds rank 1 for the giant and puts the light ones there; at the next, with more light ones
    /// waiting, rank 1's last free slot is the held one: nothing can be admitted, so nothing is placed and no problem is
    /// stated (one that admits nothing cost a G=128 mixed backlog up to 5 ms a call).
    /// </summary>
    [Fact]
    public void A_call_whose_every_free_slot_is_held_admits_nothing_and_states_no_problem()
    {
        const int giant = 5;
        var requests = new Request[12];
        for (var i = 0; i < requests.Length; i++) requests[i] = new Request(i, i == giant ? 20000 : 1000, 50, 50);
        var state = new ClusterState(new Workload(requests, "all-held"), new ClusterShape(2, 4));
        state.RevealUpTo(8);
        state.BeginPolicyCall();
        int[] running = [0, 0, 0, 0, 1];
        for (var i = 0; i < running.Length; i++) state.Admit(i, running[i]);
        state.CompactQueue();
        var policy = (BfioPolicy)PolicyCatalog.Create("bfio");
        var stated = new List<int>();
        policy.Solved = (problem, _) => stated.Add(problem.AdmitCount);

        state.BeginPolicyCall();
        policy.Place(state);
        state.CompactQueue();
        Assert.Equal([1], policy.HeldRanks.ToArray());
        Assert.True(state.IsQueued(giant));
        Assert.Equal(1, state.TotalFreeSlots());
        Assert.Equal([2], stated);

        state.RevealUpTo(4);
        state.BeginPolicyCall();
        var admittedBefore = state.Admissions.Count;
        policy.Place(state);
        state.CompactQueue();
        Assert.Equal(admittedBefore, state.Admissions.Count);
        Assert.Equal(1, state.TotalFreeSlots());
        Assert.Equal([1], policy.HeldRanks.ToArray());
        Assert.Equal([2], stated);
    }

    private const int LoneGiant = 7;

    /// <summary>G=4, B=4: ranks 0, 1 and 3 run two 1,000-token requests, rank 2 one; a 20,000-token prompt waits alone.</summary>
    private static ClusterState BuildLoneGiant()
    {
        var requests = new Request[8];
        for (var i = 0; i < requests.Length; i++) requests[i] = new Request(i, i == LoneGiant ? 20000 : 1000, 50, 50);
        var state = new ClusterState(new Workload(requests, "holds"), new ClusterShape(4, 4));
        state.RevealUpTo(requests.Length);
        state.BeginPolicyCall();
        int[] ranks = [0, 0, 1, 1, 2, 3, 3];
        for (var i = 0; i < ranks.Length; i++) state.Admit(i, ranks[i]);
        state.CompactQueue();
        return state;
    }

    private static void Update(OversizeHolds holds, ClusterState state, OraclePredictor predictor)
    {
        var rows = new PlannedRows();
        rows.Plan(1, nowWeight: 1.0, decay: 0.6, horizon: 0, lifeWeight: 0.0, sample: true);
        var projection = new RankProjection();
        projection.Project(state, predictor, rows);
        holds.Update(state, state.Queue, predictor, projection, rows, new BfioSettings(), state.TotalFreeSlots(), maxWait: 128);
    }

    /// <summary>The lone giant's first call: the holds after it, with the state and predictor for the next.</summary>
    private static (ClusterState State, OraclePredictor Predictor, OversizeHolds Holds) FirstCall()
    {
        var state = BuildLoneGiant();
        var predictor = new OraclePredictor();
        var holds = new OversizeHolds();
        Update(holds, state, predictor);
        return (state, predictor, holds);
    }

    [Fact]
    public void The_emptiest_rank_is_held_and_the_giant_released_into_it_once_nothing_else_waits()
    {
        var (state, predictor, holds) = FirstCall();
        Assert.Equal([2], holds.Ranks.ToArray());
        Assert.True(holds.HoldsRequest(LoneGiant));
        Assert.True(holds.HoldsRank(2));
        Assert.False(holds.HoldsRank(0));
        Assert.Equal(1, holds.HeldSlots(state));
        Assert.Equal(-1, holds.ReleasedId);
        // The next call: nothing but the giant waits, so holding would only delay it while everything drains.
        Update(holds, state, predictor);
        Assert.Equal(LoneGiant, holds.ReleasedId);
        Assert.Equal(2, holds.ReleasedRank);
        Assert.Equal(0, holds.Count);
    }

    [Fact]
    public void Forgetting_the_request_drops_its_hold()
    {
        var (state, _, holds) = FirstCall();
        Assert.Equal(1, holds.Count);
        holds.Forget(LoneGiant);
        Assert.Equal(0, holds.Count);
        Assert.False(holds.HoldsRank(2));
        Assert.Equal(0, holds.HeldSlots(state));
    }
}

/// <summary>The construction-time warm-up runs a twin with a fresh predictor: nothing it sees is learned.</summary>
public sealed class WarmUpTests
{
    [Fact]
    public void Warming_up_teaches_the_online_predictor_nothing()
    {
        var predictor = new OnlineSurvivalPredictor();
        var policy = new BfioPolicy(new BfioSettings(), predictor);
        Assert.Equal(0, predictor.FinishedObserved);
        Assert.Equal("online", policy.Predictor.Name);
        Assert.NotSame(predictor, predictor.Fresh());
        Assert.IsType<OnlineSurvivalPredictor>(predictor.Fresh());
    }
}
