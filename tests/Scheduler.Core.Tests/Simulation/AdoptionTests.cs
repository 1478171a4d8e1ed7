using Scheduler.Core.CostModels;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;

namespace Scheduler.Core.Tests.Simulation;

/// <summary>
/// A balancer that replaces a lost one adopts what the ranks still decode: each adopted request is active on its rank
/// with its progress, its load counted, and it finishes at the step it would have finished at under the lost balancer.
/// </summary>
public sealed class AdoptionTests
{
    private static readonly ClusterShape Shape = new(2, 4);

    [Fact]
    public void An_adopted_request_decodes_on_from_its_progress_and_finishes_when_its_output_is_reached()
    {
        var state = new ClusterState(Shape, recordAdmissions: false);

        var slot = state.AdoptActive(new Request(0, 100, 10, 12), rank: 1, generated: 3);

        Assert.Equal(RequestPhase.Active, state.PhaseOf(slot));
        Assert.Equal(1, state.RankOf(slot));
        Assert.Equal(3, state.Generated(slot));
        Assert.Equal(103, state.Load(1));
        Assert.Equal(1, state.ActiveTotal);
        Assert.Empty(state.RecentAdmissions.ToArray());
        var finished = new List<int>();
        for (var k = 0; k < 6; k++) state.AdvanceStep(0.01, finished);
        Assert.Empty(finished);
        Assert.Equal(109, state.Load(1));
        state.AdvanceStep(0.01, finished);
        Assert.Equal([slot], finished);
        Assert.Equal(10, state.FinishedOutputTokens(slot));
        Assert.Equal(0, state.Load(1));
        Assert.True(state.AllFinished);
    }

    [Fact]
    public void A_replacing_loop_that_adopts_every_active_request_steps_the_same_loads_and_finishes_the_same_requests()
    {
        var cost = ReferenceLinearCost.ForBatch(Shape.BatchSize);
        var lengths = new[] { (300, 5), (40, 9), (700, 2), (90, 14), (55, 7), (1200, 11), (10, 3), (500, 6) };
        var original = new PlacementLoop(Shape, new FcfsPolicy(), new PlacementLoopOptions { Arrivals = ArrivalMode.Live, RecordAdmissions = false, KeepHistory = false });
        for (var i = 0; i < lengths.Length; i++) original.Add(new Request(i, lengths[i].Item1, lengths[i].Item2, lengths[i].Item2));
        Assert.Equal(LoopAction.RunStep, original.Advance());
        original.SimulateStep(cost);
        Assert.Equal(LoopAction.RunStep, original.Advance());
        original.SimulateStep(cost);

        // The replacement learns each rank's requests and their progress, as the ranks report them.
        var replacement = new PlacementLoop(Shape, new FcfsPolicy(), new PlacementLoopOptions { Arrivals = ArrivalMode.Live, RecordAdmissions = false, KeepHistory = false });
        var serialOf = new Dictionary<int, long>();
        for (var g = 0; g < Shape.Ranks; g++)
            foreach (var id in original.State.ActiveRequests(g))
            {
                var adopted = replacement.Adopt(new Request(serialOf.Count, original.State.PromptTokens(id), original.OutputOf(id), original.State.PredictedOutput(id)),
                    g, original.State.Generated(id));
                serialOf[adopted] = original.State.Serial(id);
            }
        Assert.Equal(original.State.ActiveTotal, replacement.State.ActiveTotal);

        while (original.State.ActiveTotal > 0)
        {
            for (var g = 0; g < Shape.Ranks; g++)
            {
                Assert.Equal(original.State.Load(g), replacement.State.Load(g));
                Assert.Equal(original.State.ActiveCount(g), replacement.State.ActiveCount(g));
            }
            Assert.Equal(LoopAction.RunStep, original.Advance());
            Assert.Equal(LoopAction.RunStep, replacement.Advance());
            var before = original.SimulateStep(cost).ToArray().Select(original.State.Serial).Order().ToArray();
            var after = replacement.SimulateStep(cost).ToArray().Select(s => serialOf[s]).Order().ToArray();
            Assert.Equal(before, after);
        }
        Assert.Equal(0, replacement.State.ActiveTotal);
        Assert.Equal(LoopAction.Idle, replacement.Advance());
    }

    [Fact]
    public void A_request_that_already_generated_its_output_or_a_full_rank_cannot_be_adopted()
    {
        var state = new ClusterState(new ClusterShape(2, 1), recordAdmissions: false);

        Assert.Throws<ArgumentException>(() => state.AdoptActive(new Request(0, 100, 10, 10), 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => state.AdoptActive(new Request(0, 100, 10, 10), 2, 0));
        state.AdoptActive(new Request(0, 100, 10, 10), 0, 0);
        Assert.Throws<InvalidOperationException>(() => state.AdoptActive(new Request(1, 100, 10, 10), 0, 0));
        Assert.Equal(1, state.ActiveTotal);
    }
}
