using System.Collections.Immutable;
using Scheduler.Runtime.Logic;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Tests.Logic;

/// <summary>A rank host agent's batching as pure functions: one answer for the host once each local rank has answered.</summary>
public sealed class HostBatchLogicTests
{
    private const long Epoch = 42;
    private static readonly Func<int, bool> Local = rank => rank < 10;

    private static HostTick HostTick(int step, params int[] ranks) =>
        new(step, Epoch, [.. ranks.Select(g => new Tick(g, step, 0) { Epoch = Epoch })]);

    private static StepCompleted Report(int rank, int step, long epoch = Epoch) => new(rank, step, 0.1, 0, 0, []) { Epoch = epoch };

    private static HostBatch Opened(int step, params int[] ranks) => HostBatchLogic.Open(HostBatch.None, HostTick(step, ranks), Local).Batch;

    [Fact]
    public void A_host_tick_delivers_each_local_rank_its_tick_and_waits_for_all_of_them()
    {
        var (batch, events) = HostBatchLogic.Open(HostBatch.None, HostTick(3, 0, 1, 2), Local);

        Assert.Equal([0, 1, 2], events.Select(e => Assert.IsType<HostBatchEvent.DeliverLocally>(e).Tick.Rank));
        Assert.True(batch.Pending);
        Assert.Equal<int>([0, 1, 2], batch.Waiting);
    }

    [Fact]
    public void The_batch_goes_out_once_with_the_last_answer_and_carries_every_report_and_failure()
    {
        var batch = Opened(3, 0, 1, 2);
        var failure = new RankStepFailed(2, 3, "engine: out of memory");

        (batch, var events) = HostBatchLogic.Answer(batch, Report(1, 3));
        Assert.Empty(events);
        (batch, events) = HostBatchLogic.Answer(batch, failure);
        Assert.Empty(events);
        (batch, events) = HostBatchLogic.Answer(batch, Report(0, 3));

        var sent = Assert.IsType<HostBatchEvent.SendBatch>(Assert.Single(events)).Batch;
        Assert.Equal(3, sent.Step);
        Assert.Equal([1, 0], sent.Reports.Select(r => r.Rank));
        Assert.Equal(failure, Assert.Single(sent.Failures));
        Assert.False(batch.Pending);
    }

    [Fact]
    public void A_rank_that_does_not_live_here_goes_through_the_region_and_is_not_waited_for()
    {
        var (batch, events) = HostBatchLogic.Open(HostBatch.None, HostTick(3, 0, 12), Local);

        Assert.Equal(0, Assert.IsType<HostBatchEvent.DeliverLocally>(events[0]).Tick.Rank);
        Assert.Equal(12, Assert.IsType<HostBatchEvent.ThroughRegion>(events[1]).Tick.Rank);
        Assert.Equal<int>([0], batch.Waiting);
        Assert.IsType<HostBatchEvent.SendBatch>(Assert.Single(HostBatchLogic.Answer(batch, Report(0, 3)).Events));
    }

    [Fact]
    public void A_host_tick_with_no_local_rank_opens_no_batch()
    {
        var (batch, events) = HostBatchLogic.Open(HostBatch.None, HostTick(3, 11, 12), Local);

        Assert.All(events, e => Assert.IsType<HostBatchEvent.ThroughRegion>(e));
        Assert.False(batch.Pending);
    }

    [Fact]
    public void Answers_that_fill_no_place_in_a_pending_batch_are_passed_on_alone()
    {
        var batch = Opened(3, 0, 1);
        (batch, _) = HostBatchLogic.Answer(batch, Report(0, 3));

        Assert.IsType<HostBatchEvent.Forward>(Assert.Single(HostBatchLogic.Answer(batch, Report(0, 3)).Events));
        Assert.IsType<HostBatchEvent.Forward>(Assert.Single(HostBatchLogic.Answer(batch, Report(1, 2)).Events));
        Assert.IsType<HostBatchEvent.Forward>(Assert.Single(HostBatchLogic.Answer(batch, Report(1, 3, epoch: 7)).Events));
        Assert.IsType<HostBatchEvent.Forward>(Assert.Single(HostBatchLogic.Answer(batch, Report(5, 3)).Events));

        (batch, _) = HostBatchLogic.Answer(batch, Report(1, 3));
        var late = Report(1, 3);
        Assert.Same(late, Assert.IsType<HostBatchEvent.Forward>(Assert.Single(HostBatchLogic.Answer(batch, late).Events)).Answer);
    }

    [Fact]
    public void A_re_tick_of_the_same_step_joins_the_pending_batch_and_skips_ranks_already_answered()
    {
        var batch = Opened(3, 0, 1, 2);
        (batch, _) = HostBatchLogic.Answer(batch, Report(0, 3));

        (batch, var events) = HostBatchLogic.Open(batch, HostTick(3, 0, 1), Local);

        Assert.Equal(1, Assert.IsType<HostBatchEvent.DeliverLocally>(Assert.Single(events)).Tick.Rank);
        Assert.Equal<int>([1, 2], batch.Waiting);
        (batch, _) = HostBatchLogic.Answer(batch, Report(1, 3));
        var sent = Assert.IsType<HostBatchEvent.SendBatch>(Assert.Single(HostBatchLogic.Answer(batch, Report(2, 3)).Events)).Batch;
        Assert.Equal([0, 1, 2], sent.Reports.Select(r => r.Rank));
    }

    [Fact]
    public void A_re_tick_that_finds_the_last_waiting_rank_gone_sends_what_the_batch_has()
    {
        var batch = Opened(3, 0, 1);
        (batch, _) = HostBatchLogic.Answer(batch, Report(0, 3));

        var (_, events) = HostBatchLogic.Open(batch, HostTick(3, 1), rank => rank != 1);

        Assert.Equal(1, Assert.IsType<HostBatchEvent.ThroughRegion>(events[0]).Tick.Rank);
        Assert.Equal([0], Assert.IsType<HostBatchEvent.SendBatch>(events[1]).Batch.Reports.Select(r => r.Rank));
    }

    [Fact]
    public void A_tick_for_the_next_step_replaces_a_batch_the_barrier_no_longer_waits_for()
    {
        var batch = Opened(3, 0, 1);
        (batch, _) = HostBatchLogic.Answer(batch, Report(0, 3));

        (batch, _) = HostBatchLogic.Open(batch, HostTick(4, 0, 1), Local);

        Assert.Equal((4, 2), (batch.Step, batch.Waiting.Length));
        Assert.Empty(batch.Reports);
        Assert.IsType<HostBatchEvent.Forward>(Assert.Single(HostBatchLogic.Answer(batch, Report(1, 3)).Events));
    }

    [Fact]
    public void An_older_balancers_host_tick_is_ignored()
    {
        var batch = Opened(3, 0, 1);

        var (after, events) = HostBatchLogic.Open(batch, HostTick(9, 0) with { Epoch = Epoch - 1 }, Local);

        Assert.Same(batch, after);
        Assert.Empty(events);
    }

    [Fact]
    public void A_rank_withdrawn_from_the_batch_is_no_longer_waited_for()
    {
        var batch = Opened(3, 0, 1);
        (batch, _) = HostBatchLogic.Answer(batch, Report(0, 3));

        var (after, events) = HostBatchLogic.Withdraw(batch, 1);

        Assert.False(after.Pending);
        Assert.Equal([0], Assert.IsType<HostBatchEvent.SendBatch>(Assert.Single(events)).Batch.Reports.Select(r => r.Rank));
        Assert.Empty(HostBatchLogic.Withdraw(Opened(3, 1), 1).Events);
    }
}
