using Scheduler.Core.Model;
using Scheduler.Core.Policies;

namespace Scheduler.Core.Tests.Simulation;

/// <summary>
/// The rank-major copies of each active request's prompt, admission step and ô (what projections read in sequence)
/// stay entry for entry with <see cref="ClusterState.ActiveRequests"/> through admissions, the swap-removals of
/// finishing requests, a rank's restart and an adoption.
/// </summary>
public sealed class ActiveDataTests
{
    /// <summary>Every entry of rank <paramref name="rank"/>'s active data describes the request at the same position.</summary>
    internal static void AssertActiveDataAligned(ClusterState state, int rank)
    {
        var ids = state.ActiveRequests(rank);
        var prompts = state.ActivePromptTokens(rank);
        var admitted = state.ActiveAdmitSteps(rank);
        var predicted = state.ActivePredictedOutputs(rank);
        Assert.Equal(ids.Length, prompts.Length);
        Assert.Equal(ids.Length, admitted.Length);
        Assert.Equal(ids.Length, predicted.Length);
        for (var k = 0; k < ids.Length; k++)
        {
            Assert.Equal(state.PromptTokens(ids[k]), prompts[k]);
            Assert.Equal(state.Step - state.Generated(ids[k]), admitted[k]);
            Assert.Equal(state.PredictedOutput(ids[k]), predicted[k]);
        }
    }

    [Fact]
    public void Active_data_follows_every_admission_completion_restart_and_adoption()
    {
        // 3 ranks of 4 slots, outputs of 1 to 9 steps so requests leave from the middle of the active lists.
        var shape = new ClusterShape(3, 4);
        var requests = Enumerable.Range(0, 60)
            .Select(i => new Request(i, 10 + 37 * (i % 13), 1 + (i * 7) % 9, 1 + (i * 5) % 11))
            .ToArray();
        var state = new ClusterState(new Workload(requests, "active-data"), shape, recordAdmissions: false);
        var finished = new List<int>();
        var restarted = false;
        var adopted = false;
        var leftFromMiddle = 0;
        while (!state.AllFinished)
        {
            state.RevealUpTo(shape.RevealWindow);
            state.BeginPolicyCall();
            new JoinShortestQueuePolicy().Place(state);
            state.CompactQueue();
            var lastBefore = new int[shape.Ranks];
            for (var g = 0; g < shape.Ranks; g++) lastBefore[g] = state.ActiveCount(g) > 0 ? state.ActiveRequests(g)[^1] : -1;
            finished.Clear();
            state.AdvanceStep(0.01, finished);
            foreach (var id in finished)
                if (lastBefore[state.RankOf(id)] != id) leftFromMiddle++;
            if (!restarted && state.Step == 5)
            {
                state.RestartRank(1, []);
                restarted = true;
            }
            if (!adopted && state.ActiveCount(2) < shape.BatchSize)
            {
                state.AdoptActive(new Request(1000, 333, 6, 4), rank: 2, generated: 2);
                adopted = true;
            }
            for (var g = 0; g < shape.Ranks; g++) AssertActiveDataAligned(state, g);
        }
        Assert.True(restarted && adopted);
        // The swap-removal path ran: requests left from other than the end of their rank's list.
        Assert.True(leftFromMiddle > 10, $"only {leftFromMiddle} requests left from the middle of an active list");
    }
}
