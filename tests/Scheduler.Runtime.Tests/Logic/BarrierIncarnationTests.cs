using System.Collections.Immutable;
using Scheduler.Runtime.Logic;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Tests.Logic;

/// <summary>What the barrier keeps for a cluster that loses hosts: each rank's incarnation as last reported (sent with
/// its ticks), reports of another balancer epoch ignored, and an immediate re-tick of the missing ranks when a member
/// leaves.</summary>
public sealed class BarrierIncarnationTests
{
    private static readonly ImmutableArray<long> NoAdmissions = [0, 0, 0];

    private static StepCompleted Report(int rank, int step, long epoch, long incarnation) =>
        new(rank, step, 0.1, 0, 0, []) { Epoch = epoch, Incarnation = incarnation };

    [Fact]
    public void Each_rank_s_incarnation_is_the_one_it_last_reported()
    {
        var state = BarrierLogic.Begin(BarrierState.Initial(3, epoch: 9), new BeginStep(1, NoAdmissions)).State;
        Assert.Equal<long>([0, 0, 0], state.Incarnations);
        for (var g = 0; g < 3; g++) state = BarrierLogic.Complete(state, Report(g, 1, 9, 100 + g)).State;
        Assert.Equal<long>([100, 101, 102], state.Incarnations);

        state = BarrierLogic.Begin(state, new BeginStep(2, NoAdmissions)).State;
        state = BarrierLogic.Complete(state, Report(1, 2, 9, 555)).State; // rank 1 was re-created elsewhere
        Assert.Equal<long>([100, 555, 102], state.Incarnations);
    }

    [Fact]
    public void A_report_of_another_epoch_is_stale()
    {
        var state = BarrierLogic.Begin(BarrierState.Initial(3, epoch: 9), new BeginStep(1, NoAdmissions)).State;
        var (after, events) = BarrierLogic.Complete(state, Report(0, 1, 8, 100));
        Assert.False(after.HasReported(0));
        Assert.Equal(1, after.Statistics.StaleCompletions);
        Assert.IsType<BarrierEvent.CompletionIgnored>(Assert.Single(events));
    }

    [Fact]
    public void A_member_lost_re_ticks_the_open_step_s_missing_ranks_without_spending_a_timeout()
    {
        var state = BarrierLogic.Begin(BarrierState.Initial(3), new BeginStep(1, [4, 5, 6])).State;
        state = BarrierLogic.Complete(state, Report(1, 1, 0, 7)).State;
        var (after, events) = BarrierLogic.MemberLost(state);
        var tick = Assert.IsType<BarrierEvent.TickRanks>(Assert.Single(events));
        Assert.Equal<int>([0, 2], tick.Ranks);
        Assert.Equal<long>([4, 5, 6], tick.AdmittedThrough);
        Assert.Equal((0, 0), (after.Attempt, after.Statistics.Timeouts));

        // No step open, or every rank in: nothing to tick.
        var closed = BarrierLogic.Complete(BarrierLogic.Complete(state, Report(0, 1, 0, 6)).State, Report(2, 1, 0, 8)).State;
        Assert.Empty(BarrierLogic.MemberLost(closed).Events);
        Assert.Empty(BarrierLogic.MemberLost(BarrierState.Initial(3)).Events);
    }
}
