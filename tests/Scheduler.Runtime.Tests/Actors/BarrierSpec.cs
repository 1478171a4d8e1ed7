using System.Collections.Immutable;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Actors;

/// <summary>The barrier actor with probes for the ranks and the coordinator.</summary>
public sealed class BarrierSpec() : TestKit(TestConfig.Local())
{
    private const int Ranks = 3;
    private static readonly ImmutableArray<long> Admitted = [0, 0, 0];
    private static readonly BarrierSettings NoTimeout = new(TimeSpan.Zero, 0, true);

    private static StepCompleted Report(int rank, int step, double seconds = 0.1) => new(rank, step, seconds, 0, 0, []);

    private async Task<int[]> TicksFor(Akka.TestKit.TestProbe ranks, int step)
    {
        var seen = new int[Ranks];
        for (var i = 0; i < Ranks; i++)
        {
            var tick = await ranks.ExpectMsgAsync<Tick>();
            Assert.Equal(step, tick.Step);
            seen[i] = tick.Rank;
        }
        return seen.Order().ToArray();
    }

    [Fact]
    public async Task Barrier_never_ticks_step_k_plus_1_before_every_rank_completed_step_k()
    {
        var ranks = CreateTestProbe();
        var coordinator = CreateTestProbe();
        var barrier = Sys.ActorOf(BarrierActor.Props(Ranks, ranks, NoTimeout));
        var random = new Random(5);

        for (var step = 1; step <= 20; step++)
        {
            barrier.Tell(new BeginStep(step, Admitted), coordinator);
            var ticked = await TicksFor(ranks, step);
            Assert.Equal([0, 1, 2], ticked);

            var order = Enumerable.Range(0, Ranks).OrderBy(_ => random.Next()).ToArray();
            for (var i = 0; i < order.Length - 1; i++) barrier.Tell(Report(order[i], step));

            // One rank is still decoding: asking for the next step is refused and ticks nobody.
            barrier.Tell(new BeginStep(step + 1, Admitted), coordinator);
            var rejected = await coordinator.ExpectMsgAsync<BeginStepRejected>();
            Assert.Equal(step + 1, rejected.Step);
            await ranks.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50));

            barrier.Tell(Report(order[order.Length - 1], step));
            var passed = await coordinator.ExpectMsgAsync<StepBarrierPassed>();
            Assert.Equal(step, passed.Step);
        }
    }

    [Fact]
    public async Task A_refused_step_does_not_take_over_the_coordinator_of_the_open_one()
    {
        var ranks = CreateTestProbe();
        var coordinator = CreateTestProbe();
        var intruder = CreateTestProbe();
        var barrier = Sys.ActorOf(BarrierActor.Props(Ranks, ranks, NoTimeout));
        barrier.Tell(new BeginStep(1, Admitted), coordinator);
        await TicksFor(ranks, 1);

        barrier.Tell(new BeginStep(2, Admitted), intruder);
        await intruder.ExpectMsgAsync<BeginStepRejected>();
        for (var g = 0; g < Ranks; g++) barrier.Tell(Report(g, 1));

        Assert.Equal(1, (await coordinator.ExpectMsgAsync<StepBarrierPassed>()).Step);
        await intruder.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_rank_that_misses_the_timeout_is_reported_and_ticked_again_until_the_barrier_gives_up()
    {
        var ranks = CreateTestProbe();
        var coordinator = CreateTestProbe();
        var barrier = Sys.ActorOf(BarrierActor.Props(Ranks, ranks, new BarrierSettings(TimeSpan.FromMilliseconds(300), 2, true)));

        barrier.Tell(new BeginStep(1, Admitted), coordinator);
        await TicksFor(ranks, 1);
        barrier.Tell(Report(0, 1));
        barrier.Tell(Report(2, 1));

        var first = await coordinator.ExpectMsgAsync<RanksMissing>();
        Assert.Equal(1, first.Step);
        Assert.Equal<int>([1], first.Ranks);
        Assert.False(first.GaveUp);
        var again = await ranks.ExpectMsgAsync<Tick>();
        Assert.Equal((1, 1), (again.Rank, again.Step));

        var last = await coordinator.ExpectMsgAsync<RanksMissing>();
        Assert.True(last.GaveUp);
        Assert.Equal(2, last.Attempt);
        Assert.Equal(2, (await barrier.Ask<BarrierStatistics>(GetBarrierStatistics.Instance)).Timeouts);
    }

    [Fact]
    public async Task A_late_rank_that_answers_after_a_timeout_still_closes_the_step()
    {
        var ranks = CreateTestProbe();
        var coordinator = CreateTestProbe();
        var barrier = Sys.ActorOf(BarrierActor.Props(Ranks, ranks, new BarrierSettings(TimeSpan.FromMilliseconds(200), 5, true)));
        barrier.Tell(new BeginStep(1, Admitted), coordinator);
        await TicksFor(ranks, 1);
        barrier.Tell(Report(0, 1));
        barrier.Tell(Report(1, 1));
        await coordinator.ExpectMsgAsync<RanksMissing>();

        barrier.Tell(Report(2, 1));

        Assert.Equal(1, (await coordinator.ExpectMsgAsync<StepBarrierPassed>()).Step);
        await coordinator.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public async Task Stale_and_duplicate_completions_are_ignored_and_counted()
    {
        var ranks = CreateTestProbe();
        var coordinator = CreateTestProbe();
        var barrier = Sys.ActorOf(BarrierActor.Props(Ranks, ranks, NoTimeout));
        barrier.Tell(new BeginStep(1, Admitted), coordinator);
        await TicksFor(ranks, 1);

        barrier.Tell(Report(0, 0, seconds: 9));
        barrier.Tell(Report(0, 1, seconds: 0.2));
        barrier.Tell(Report(0, 1, seconds: 8));
        barrier.Tell(Report(7, 1, seconds: 7));
        barrier.Tell(Report(1, 2, seconds: 6));
        barrier.Tell(Report(1, 1, seconds: 0.1));
        barrier.Tell(Report(2, 1, seconds: 0.3));

        var passed = await coordinator.ExpectMsgAsync<StepBarrierPassed>();
        Assert.Equal(0.3, passed.Duration);
        Assert.Equal(0.2, passed.Reports[0].ComputeSeconds);
        var statistics = await barrier.Ask<BarrierStatistics>(GetBarrierStatistics.Instance);
        Assert.Equal(3, statistics.StaleCompletions);
        Assert.Equal(1, statistics.DuplicateCompletions);
        Assert.Equal(1, statistics.StepsClosed);
    }
}
