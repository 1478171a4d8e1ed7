using Akka.Actor;
using Akka.TestKit.Xunit2;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Actors;

/// <summary>
/// A rank entity when a new balancer takes over from a lost one: asked what it decodes, it keeps every request with its
/// progress, follows the new epoch (ignoring the lost balancer's ticks), and once renamed reports its requests by the new
/// balancer's serials, at the same count and load as before.
/// </summary>
public sealed class RankTakeoverSpec() : TestKit(TestConfig.Local())
{
    private const long OldEpoch = 7, NewEpoch = 9;

    private IActorRef Rank(int rank) => StandaloneRank.Start(Sys, rank);

    private static Tick TickOf(int rank, int step, long admittedThrough, long epoch, params RankRequest[] admit) =>
        new(rank, step, admittedThrough, [.. admit]) { Epoch = epoch };

    /// <summary>A rank that decoded two steps of epoch 7: "a" (100 + 5 tokens) and "b" (50 + 9), both 2 tokens in.</summary>
    private async Task<(IActorRef Rank, long Incarnation)> TwoStepsIn()
    {
        var rank = Rank(1);
        rank.Tell(TickOf(1, 1, 2, OldEpoch, new RankRequest(10, 100, 5, "a", 6), new RankRequest(11, 50, 9, "b", 4)));
        var first = await ExpectMsgAsync<StepCompleted>();
        rank.Tell(TickOf(1, 2, 2, OldEpoch) with { Incarnation = first.Incarnation });
        var second = await ExpectMsgAsync<StepCompleted>();
        Assert.Equal((2, 152L), (second.ActiveBefore, second.LoadBefore));
        return (rank, first.Incarnation);
    }

    [Fact]
    public async Task Asked_by_a_new_balancer_a_rank_lists_each_request_with_its_progress_and_keeps_decoding_it_under_the_new_serials()
    {
        var (rank, incarnation) = await TwoStepsIn();

        rank.Tell(new ListActive(1, NewEpoch));
        var listed = await ExpectMsgAsync<ActiveListed>();
        Assert.Equal((1, NewEpoch), (listed.Rank, listed.Epoch));
        Assert.Equal([("a", 100, 5, 6, 2), ("b", 50, 9, 4, 2)],
            listed.Requests.Select(q => (q.Key, q.PromptTokens, q.OutputTokens, q.PredictedOutputTokens, q.Generated)));

        rank.Tell(new AdoptActive(1, NewEpoch, [.. listed.Requests.Select(q => q.LocalId)], [0, 1]));
        Assert.Equal(new ActiveAdopted(1, NewEpoch), await ExpectMsgAsync<ActiveAdopted>());

        // The new balancer's steps count from 1; the loads that set them are the old ones, grown by a token each.
        rank.Tell(TickOf(1, 1, 0, NewEpoch) with { Incarnation = incarnation });
        var step1 = await ExpectMsgAsync<StepCompleted>();
        Assert.Equal((1, 2, 154L, false), (step1.Step, step1.ActiveBefore, step1.LoadBefore, step1.Restarted));
        Assert.Empty(step1.Finished);
        for (var step = 2; step <= 3; step++)
        {
            rank.Tell(TickOf(1, step, 0, NewEpoch) with { Incarnation = incarnation });
            var report = await ExpectMsgAsync<StepCompleted>();
            // "a" (serial 0 now) reaches its 5th token at the new balancer's step 3.
            Assert.Equal(step == 3 ? [0L] : [], report.Finished.ToArray());
        }
    }

    [Fact]
    public async Task After_a_takeover_the_lost_balancer_s_ticks_and_lists_are_ignored()
    {
        var (rank, incarnation) = await TwoStepsIn();
        rank.Tell(new ListActive(1, NewEpoch));
        await ExpectMsgAsync<ActiveListed>();

        rank.Tell(TickOf(1, 3, 2, OldEpoch) with { Incarnation = incarnation });
        rank.Tell(new ListActive(1, OldEpoch));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

        // Asked again by the new balancer (its first ask went unanswered, say): the same requests, nothing stepped since.
        rank.Tell(new ListActive(1, NewEpoch));
        Assert.All((await ExpectMsgAsync<ActiveListed>()).Requests, q => Assert.Equal(2, q.Generated));
    }

    [Fact]
    public async Task A_new_balancer_that_ticks_without_asking_finds_the_rank_empty()
    {
        var (rank, incarnation) = await TwoStepsIn();

        rank.Tell(TickOf(1, 1, 0, NewEpoch) with { Incarnation = incarnation });
        var report = await ExpectMsgAsync<StepCompleted>();

        Assert.Equal((0, 0L), (report.ActiveBefore, report.LoadBefore));
        rank.Tell(new ListActive(1, NewEpoch));
        Assert.Empty((await ExpectMsgAsync<ActiveListed>()).Requests);
    }
}
