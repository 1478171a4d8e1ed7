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
