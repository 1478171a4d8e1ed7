using System.Collections.Immutable;
using Scheduler.Runtime.Logic;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Tests.Logic;

/// <summary>The barrier's bookkeeping as pure functions, without an actor system.</summary>
public sealed class BarrierLogicTests
{
    private static readonly ImmutableArray<long> NoAdmissions = [0, 0, 0];

    private static StepCompleted Report(int rank, int step, double seconds, params long[] finished) =>
        new(rank, step, seconds, 0, 0, [.. finished]);

    private static BarrierState Opened(int step = 1)
    {
        var state = BarrierState.Initial(3);
        for (var k = 1; k < step; k++)
        {
            state = BarrierLogic.Begin(state, new BeginStep(k, NoAdmissions)).State;
            for (var g = 0; g < 3; g++) state = BarrierLogic.Complete(state, Report(g, k, 0.1)).State;
        }
        return BarrierLogic.Begin(state, new BeginStep(step, NoAdmissions)).State;
    }

    [Fact]
    public void Beginning_a_step_ticks_every_rank_and_arms_the_timeout()
    {
        var (state, events) = BarrierLogic.Begin(BarrierState.Initial(3), new BeginStep(1, [2, 0, 1]));

        Assert.True(state.Open);
        Assert.Equal(1, state.Step);
        var tick = Assert.IsType<BarrierEvent.TickRanks>(events[0]);
        Assert.Equal<int>([0, 1, 2], tick.Ranks);
        Assert.Equal<long>([2, 0, 1], tick.AdmittedThrough);
        Assert.Equal(new BarrierEvent.ArmTimeout(1, 0), events[1]);
    }

    [Fact]
    public void The_step_closes_only_when_every_rank_has_reported_with_the_slowest_rank_setting_its_time()
    {
        var state = Opened();
        (state, var events) = BarrierLogic.Complete(state, Report(2, 1, 0.30, 7));
        Assert.Empty(events);
        (state, events) = BarrierLogic.Complete(state, Report(0, 1, 0.10));
        Assert.Empty(events);
        Assert.True(state.Open);

        (state, events) = BarrierLogic.Complete(state, Report(1, 1, 0.25, 4, 5));

        Assert.False(state.Open);
        var passed = Assert.IsType<StepBarrierPassed>(Assert.IsType<BarrierEvent.Notify>(Assert.Single(events)).Message);
        Assert.Equal(1, passed.Step);
        Assert.Equal(0.30, passed.Duration);
        Assert.Equal((0.30 - 0.10) + (0.30 - 0.25) + 0.0, passed.BarrierIdleSeconds);
        Assert.Equal([0, 1, 2], passed.Reports.Select(r => r.Rank));
        Assert.Equal(1, state.Statistics.StepsClosed);
    }

    [Fact]
    public void A_hosts_batch_counts_as_the_completions_it_carries_and_closes_the_step_as_they_would()
    {
        StepCompleted r0 = Report(0, 1, 0.10), r1 = Report(1, 1, 0.25, 4, 5), r2 = Report(2, 1, 0.30, 7);
        var one = Opened();
        foreach (var report in new[] { r2, r0 }) one = BarrierLogic.Complete(one, report).State;
        var (_, closedOneByOne) = BarrierLogic.Complete(one, r1);

        var (batched, events) = BarrierLogic.CompleteAll(Opened(), [r2, r0]);
        Assert.Empty(events);
        Assert.Equal(2, batched.ReceivedCount);
        (batched, events) = BarrierLogic.CompleteAll(batched, [r1, r0]);

        Assert.False(batched.Open);
        var passed = Assert.IsType<StepBarrierPassed>(Assert.IsType<BarrierEvent.Notify>(events[0]).Message);
        var expected = Assert.IsType<StepBarrierPassed>(Assert.IsType<BarrierEvent.Notify>(Assert.Single(closedOneByOne)).Message);
        Assert.Equal((expected.Step, expected.Duration, expected.BarrierIdleSeconds), (passed.Step, passed.Duration, passed.BarrierIdleSeconds));
        Assert.Equal<StepCompleted>(expected.Reports, passed.Reports);
        // The repeat after the last report is ignored as a duplicate, as it would have been alone.
        Assert.True(Assert.IsType<BarrierEvent.CompletionIgnored>(events[1]).Duplicate);
        Assert.Equal(1, batched.Statistics.DuplicateCompletions);
    }

    [Fact]
    public void The_next_step_is_refused_while_a_rank_has_not_completed_the_current_one()
    {
        var state = Opened();
        state = BarrierLogic.Complete(state, Report(0, 1, 0.1)).State;
        state = BarrierLogic.Complete(state, Report(1, 1, 0.1)).State;

        var (after, events) = BarrierLogic.Begin(state, new BeginStep(2, NoAdmissions));

        Assert.Same(state, after);
        var rejected = Assert.IsType<BeginStepRejected>(Assert.IsType<BarrierEvent.Notify>(Assert.Single(events)).Message);
        Assert.Equal(2, rejected.Step);
        Assert.DoesNotContain(events, e => e is BarrierEvent.TickRanks);
    }

    [Fact]
    public void Steps_must_be_opened_in_order()
    {
        var (_, events) = BarrierLogic.Begin(BarrierState.Initial(3), new BeginStep(2, NoAdmissions));
        Assert.IsType<BeginStepRejected>(Assert.IsType<BarrierEvent.Notify>(Assert.Single(events)).Message);
    }

    [Fact]
    public void A_completion_for_another_step_is_ignored_and_counted_as_stale()
    {
        var state = Opened(step: 2);

        (state, var events) = BarrierLogic.Complete(state, Report(0, 1, 9.9));
        Assert.False(Assert.IsType<BarrierEvent.CompletionIgnored>(Assert.Single(events)).Duplicate);
        (state, _) = BarrierLogic.Complete(state, Report(0, 3, 9.9));
        (state, _) = BarrierLogic.Complete(state, Report(7, 2, 9.9));

        Assert.Equal(3, state.Statistics.StaleCompletions);
        Assert.Equal(0, state.ReceivedCount);
        Assert.True(state.Open);
    }

    [Fact]
    public void A_second_completion_from_the_same_rank_is_ignored_and_counted_as_a_duplicate()
    {
        var state = Opened();
        state = BarrierLogic.Complete(state, Report(1, 1, 0.2)).State;

        (state, var events) = BarrierLogic.Complete(state, Report(1, 1, 5.0));

        Assert.True(Assert.IsType<BarrierEvent.CompletionIgnored>(Assert.Single(events)).Duplicate);
        Assert.Equal(1, state.Statistics.DuplicateCompletions);
        Assert.Equal(0.2, state.ReportOf(1)!.ComputeSeconds);
    }

    [Fact]
    public void A_late_repeat_after_the_step_closed_is_a_duplicate_too()
    {
        var state = Opened();
        for (var g = 0; g < 3; g++) state = BarrierLogic.Complete(state, Report(g, 1, 0.1)).State;

        state = BarrierLogic.Complete(state, Report(2, 1, 0.1)).State;

        Assert.Equal(1, state.Statistics.DuplicateCompletions);
        Assert.Equal(1, state.Statistics.StepsClosed);
    }

    [Fact]
    public void A_timeout_reports_the_missing_ranks_reticks_them_and_rearms()
    {
        var state = Opened();
        state = BarrierLogic.Complete(state, Report(1, 1, 0.1)).State;

        (state, var events) = BarrierLogic.TimeoutElapsed(state, 1, 0, maxTimeouts: 3, retickMissing: true);

        var missing = Assert.IsType<RanksMissing>(Assert.IsType<BarrierEvent.Notify>(events[0]).Message);
        Assert.Equal<int>([0, 2], missing.Ranks);
        Assert.Equal(1, missing.Attempt);
        Assert.False(missing.GaveUp);
        Assert.Equal<int>([0, 2], Assert.IsType<BarrierEvent.TickRanks>(events[1]).Ranks);
        Assert.Equal(new BarrierEvent.ArmTimeout(1, 1), events[2]);
        Assert.Equal(1, state.Statistics.Timeouts);
    }

    [Fact]
    public void The_barrier_gives_up_after_the_configured_number_of_timeouts()
    {
        var state = Opened();
        (state, _) = BarrierLogic.TimeoutElapsed(state, 1, 0, maxTimeouts: 2, retickMissing: true);

        var (_, events) = BarrierLogic.TimeoutElapsed(state, 1, 1, maxTimeouts: 2, retickMissing: true);

        var missing = Assert.IsType<RanksMissing>(Assert.IsType<BarrierEvent.Notify>(Assert.Single(events)).Message);
        Assert.True(missing.GaveUp);
    }

    [Fact]
    public void A_timer_of_a_closed_step_or_an_earlier_attempt_does_nothing()
    {
        var state = Opened();
        (state, _) = BarrierLogic.TimeoutElapsed(state, 1, 0, 3, true);

        Assert.Empty(BarrierLogic.TimeoutElapsed(state, 1, 0, 3, true).Events);
        for (var g = 0; g < 3; g++) state = BarrierLogic.Complete(state, Report(g, 1, 0.1)).State;
        Assert.Empty(BarrierLogic.TimeoutElapsed(state, 1, 1, 3, true).Events);
    }
}
