using Akka.Actor;
using Akka.TestKit.Xunit2;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Actors;

/// <summary>The rank host agent with probes as the barrier, the region and the rank entities registered on this node.</summary>
public sealed class RankHostAgentSpec : TestKit
{
    private const long Epoch = 42;
    private readonly Akka.TestKit.TestProbe _barrier;
    private readonly Akka.TestKit.TestProbe _region;
    private readonly Akka.TestKit.TestProbe[] _ranks;
    private readonly IActorRef _agent;

    public RankHostAgentSpec() : base(TestConfig.Local())
    {
        _barrier = CreateTestProbe();
        _region = CreateTestProbe();
        _ranks = [CreateTestProbe(), CreateTestProbe(), CreateTestProbe()];
        var directory = LocalRankDirectory.Get(Sys);
        for (var g = 0; g < _ranks.Length; g++) directory.Register(g, _ranks[g]);
        _agent = Sys.ActorOf(RankHostAgent.Props(_region));
    }

    private static HostTick HostTick(int step, params int[] ranks) =>
        new(step, Epoch, [.. ranks.Select(g => new Tick(g, step, 0) { Epoch = Epoch })]);

    private static StepCompleted Report(int rank, int step) => new(rank, step, 0.001 * (rank + 1), 0, 0, []) { Epoch = Epoch };

    /// <summary>The rank's probe receives its tick from the agent and answers it.</summary>
    private async Task Answer(int rank, int step, object? answer = null)
    {
        var tick = await _ranks[rank].ExpectMsgAsync<Tick>();
        Assert.Equal((rank, step, Epoch), (tick.Rank, tick.Step, tick.Epoch));
        Assert.Equal(_agent, _ranks[rank].LastSender);
        _ranks[rank].Reply(answer ?? Report(rank, step));
    }

    [Fact]
    public async Task The_ranks_of_a_host_tick_answer_the_barrier_as_one_batch_from_the_agent()
    {
        _agent.Tell(HostTick(5, 0, 1, 2), _barrier);

        await Answer(2, 5);
        await Answer(0, 5);
        await _barrier.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        await Answer(1, 5);

        var batch = await _barrier.ExpectMsgAsync<HostStepCompleted>();
        Assert.Equal(_agent, _barrier.LastSender);
        Assert.Equal(5, batch.Step);
        Assert.Equal([2, 0, 1], batch.Reports.Select(r => r.Rank));
        Assert.Empty(batch.Failures);
        // The host held the step from the tick's arrival to its last rank's answer, which came after the 100 ms waited above.
        Assert.InRange(batch.HostSeconds, 0.1, 60.0);
        await _barrier.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_rank_not_living_on_the_node_is_ticked_through_the_region_with_the_barrier_as_sender()
    {
        _agent.Tell(HostTick(6, 0, 7), _barrier);

        var moved = await _region.ExpectMsgAsync<Tick>();
        Assert.Equal((7, 6), (moved.Rank, moved.Step));
        Assert.Equal(_barrier.Ref, _region.LastSender);
        await Answer(0, 6);
        Assert.Equal([0], (await _barrier.ExpectMsgAsync<HostStepCompleted>()).Reports.Select(r => r.Rank));
    }

    [Fact]
    public async Task An_answer_after_its_batch_went_out_is_passed_on_alone()
    {
        _agent.Tell(HostTick(7, 0, 1), _barrier);
        await Answer(0, 7);
        await Answer(1, 7);
        await _barrier.ExpectMsgAsync<HostStepCompleted>();

        // A re-tick through the region reached rank 1 with the agent still its sender from before: its repeated report.
        _ranks[1].Send(_agent, Report(1, 7));

        var late = await _barrier.ExpectMsgAsync<StepCompleted>();
        Assert.Equal((1, 7), (late.Rank, late.Step));
        Assert.Equal(_agent, _barrier.LastSender);
    }

    [Fact]
    public async Task A_rank_whose_engine_failed_is_answered_in_the_batch_as_a_failure()
    {
        _agent.Tell(HostTick(8, 0, 1), _barrier);
        await Answer(0, 8);
        await Answer(1, 8, new RankStepFailed(1, 8, "cost-model engine: boom"));

        var batch = await _barrier.ExpectMsgAsync<HostStepCompleted>();
        Assert.Equal([0], batch.Reports.Select(r => r.Rank));
        Assert.Equal(1, Assert.Single(batch.Failures).Rank);
    }

    [Fact]
    public async Task Each_step_gets_its_own_batch()
    {
        for (var step = 1; step <= 3; step++)
        {
            _agent.Tell(HostTick(step, 0, 1, 2), _barrier);
            for (var g = 0; g < 3; g++) await Answer(g, step);
            Assert.Equal(step, (await _barrier.ExpectMsgAsync<HostStepCompleted>()).Step);
        }
        await _region.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }
}
