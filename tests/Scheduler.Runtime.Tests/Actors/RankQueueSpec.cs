using Akka.Actor;
using Akka.TestKit.Xunit2;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Actors;

/// <summary>
/// A rank entity's own queue (arrival binding): requests bound to it join the back, each tick admits the balancer's
/// count from the front, first come first admitted; a repeated tick admits nothing twice; a count the queue cannot
/// cover fails the step instead of stepping a batch the balancer does not know.
/// </summary>
public sealed class RankQueueSpec() : TestKit(TestConfig.Local())
{

    private IActorRef Rank(int rank) => StandaloneRank.Start(Sys, rank);

    [Fact]
    public async Task Requests_wait_in_the_rank_s_queue_and_are_admitted_from_its_front_in_the_order_they_were_bound()
    {
        var rank = Rank(0);
        // Three bound, one admitted (50 + 3 tokens): the first in.
        rank.Tell(new Tick(0, 1, 1) { Enqueue = [new RankRequest(7, 50, 3), new RankRequest(8, 60, 1), new RankRequest(9, 70, 1)], FromQueue = 1 });
        var first = await ExpectMsgAsync<StepCompleted>();
        Assert.Equal((1, 50L), (first.ActiveBefore, first.LoadBefore));

        // The same tick again (its report was lost, say): the same report, nothing admitted twice.
        rank.Tell(new Tick(0, 1, 1) { Enqueue = [new RankRequest(7, 50, 3), new RankRequest(8, 60, 1), new RankRequest(9, 70, 1)], FromQueue = 1 });
        Assert.Equivalent(first, await ExpectMsgAsync<StepCompleted>(), strict: true);

        // One more bound, two admitted: 8 and 9, in the order they were bound (9 before 10).
        rank.Tell(new Tick(0, 2, 3) { Enqueue = [new RankRequest(10, 80, 1)], FromQueue = 2 });
        var second = await ExpectMsgAsync<StepCompleted>();
        Assert.Equal((3, 51L + 60 + 70), (second.ActiveBefore, second.LoadBefore));
        Assert.Equal([8L, 9L], second.Finished.Order().ToArray());

        rank.Tell(new GetRankState(0));
        Assert.Equal(3, (await ExpectMsgAsync<RankStateResult>()).AdmittedTotal);
    }

    [Fact]
    public async Task Admitting_more_than_the_queue_holds_fails_the_step()
    {
        var rank = Rank(1);
        rank.Tell(new Tick(1, 1, 2) { Enqueue = [new RankRequest(1, 10, 2)], FromQueue = 2 });

        var failed = await ExpectMsgAsync<RankStepFailed>();
        Assert.Equal((1, 1), (failed.Rank, failed.Step));
        Assert.Contains("holds 1", failed.Reason);
    }
}
