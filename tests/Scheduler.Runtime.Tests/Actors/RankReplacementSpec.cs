using System.Collections.Immutable;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Actors;

/// <summary>
/// A rank entity told apart from the one it replaces (incarnations), and following the newest balancer (epochs): a
/// replacement reports its first tick empty and restarted; an entity drops what an older epoch placed on it; an older
/// epoch's tick is ignored.
/// </summary>
public sealed class RankReplacementSpec() : TestKit(TestConfig.Local())
{

    private IActorRef Rank(int rank) => StandaloneRank.Start(Sys, rank);

    private static Tick TickOf(int rank, int step, long admittedThrough, long epoch, long incarnation, params RankRequest[] admit) =>
        new(rank, step, admittedThrough, [.. admit]) { Epoch = epoch, Incarnation = incarnation };

    [Fact]
    public async Task A_first_tick_reports_the_entity_s_incarnation_and_later_ticks_that_name_it_step_as_usual()
    {
        var rank = Rank(2);
        rank.Tell(TickOf(2, 1, 2, 7, 0, new RankRequest(1, 100, 3), new RankRequest(2, 50, 1)));
        var first = await ExpectMsgAsync<StepCompleted>();
        Assert.False(first.Restarted);
        Assert.NotEqual(0, first.Incarnation);
        Assert.Equal((7L, 2, 150L), (first.Epoch, first.ActiveBefore, first.LoadBefore));
        Assert.Equal([2L], first.Finished.ToArray());

        rank.Tell(TickOf(2, 2, 2, 7, first.Incarnation));
        var second = await ExpectMsgAsync<StepCompleted>();
        Assert.Equal((2, false, first.Incarnation, 1), (second.Step, second.Restarted, second.Incarnation, second.ActiveBefore));
    }

    [Fact]
    public async Task A_replacement_reports_its_first_tick_empty_and_restarted_without_taking_the_tick_s_admissions_and_steps_on_from_there()
    {
        var rank = Rank(3);
        // The barrier last heard from another incarnation: the one this entity replaces, lost with its host.
        rank.Tell(TickOf(3, 40, 90, 7, 12345, new RankRequest(88, 100, 5)));
        var report = await ExpectMsgAsync<StepCompleted>();
        Assert.True(report.Restarted);
        Assert.Equal((3, 40, 0, 0L, 0.0), (report.Rank, report.Step, report.ActiveBefore, report.LoadBefore, report.ComputeSeconds));
        Assert.Empty(report.Finished);
        Assert.NotEqual(12345, report.Incarnation);

        // The same re-tick again (it left before the barrier heard of the replacement): the same answer.
        rank.Tell(TickOf(3, 40, 90, 7, 12345));
        Assert.Equivalent(report, await ExpectMsgAsync<StepCompleted>(), strict: true);

        // The balancer restarts the lost requests and places one here again: the entity counts admissions from the tick's.
        rank.Tell(TickOf(3, 41, 91, 7, report.Incarnation, new RankRequest(88, 100, 5)));
        var next = await ExpectMsgAsync<StepCompleted>();
        Assert.Equal((41, false, 1, 100L), (next.Step, next.Restarted, next.ActiveBefore, next.LoadBefore));
        rank.Tell(new GetRankState(3));
        Assert.Equal(91, (await ExpectMsgAsync<RankStateResult>()).AdmittedTotal);
    }

    [Fact]
    public async Task A_newer_epoch_empties_the_rank_and_an_older_epoch_s_tick_is_ignored()
    {
        var rank = Rank(1);
        rank.Tell(TickOf(1, 1, 1, 100, 0, new RankRequest(5, 300, 50)));
        var old = await ExpectMsgAsync<StepCompleted>();
        Assert.Equal(1, old.ActiveBefore);

        // A new balancer incarnation knows nothing of request 5: its first step finds the rank empty.
        rank.Tell(TickOf(1, 1, 1, 200, 0, new RankRequest(0, 40, 2)));
        var fresh = await ExpectMsgAsync<StepCompleted>();
        Assert.Equal((200L, 1, 40L, false), (fresh.Epoch, fresh.ActiveBefore, fresh.LoadBefore, fresh.Restarted));

        // The old balancer's tick still on its way: no answer, no effect.
        rank.Tell(TickOf(1, 2, 1, 100, old.Incarnation));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        rank.Tell(TickOf(1, 2, 1, 200, fresh.Incarnation));
        var second = await ExpectMsgAsync<StepCompleted>();
        Assert.Equal((2, 1, 41L), (second.Step, second.ActiveBefore, second.LoadBefore));
        Assert.Equal([0L], second.Finished.ToArray());
    }
}
