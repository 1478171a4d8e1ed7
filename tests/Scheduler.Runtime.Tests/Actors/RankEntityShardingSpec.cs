using Akka.Actor;
using Akka.TestKit.Xunit2;
using Scheduler.Core.CostModels;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Actors;

/// <summary>Rank entities on a single-node cluster (127.0.0.1, port 0), reached only through the shard region.</summary>
public sealed class RankEntityShardingSpec() : TestKit(TestConfig.Cluster())
{
    private static readonly AffineCost Cost = new(0.001, 0.0, 1e-6);

    private async Task<IActorRef> RegionAsync()
    {
        var settings = RuntimeSettings.FromConfig(Sys.Settings.Config);
        await RankCluster.JoinSelfAsync(Sys, TimeSpan.FromSeconds(20));
        return await RankCluster.StartRankRegionAsync(Sys, settings, new CostModelEngineFactory(Cost, 8));
    }

    [Fact]
    public async Task A_rank_entity_reached_through_the_shard_region_keeps_its_state_across_steps()
    {
        var region = await RegionAsync();
        region.Tell(new AdmitRequests(3, 0, [new RankRequest(10, 100, 3), new RankRequest(11, 50, 1)]));

        region.Tell(new Tick(3, 1, 2));
        var first = await ExpectMsgAsync<StepCompleted>();
        Assert.Contains("/system/sharding/rank/", LastSender.Path.ToString());
        Assert.Equal((3, 1, 2, 150L), (first.Rank, first.Step, first.ActiveBefore, first.LoadBefore));
        Assert.Equal(Cost.RankSeconds(2, 150), first.ComputeSeconds);
        Assert.Equal<long>([11], first.Finished);

        region.Tell(new Tick(3, 2, 2));
        var second = await ExpectMsgAsync<StepCompleted>();
        Assert.Equal((2, 1, 101L), (second.Step, second.ActiveBefore, second.LoadBefore));
        Assert.Empty(second.Finished);

        region.Tell(new GetRankState(3));
        Assert.Equal(new RankStateResult(3, 2, 2, 1, 102), await ExpectMsgAsync<RankStateResult>());
    }

    [Fact]
    public async Task A_repeated_tick_gets_the_same_report_and_an_older_one_is_ignored()
    {
        var region = await RegionAsync();
        region.Tell(new AdmitRequests(1, 0, [new RankRequest(1, 10, 5)]));
        region.Tell(new Tick(1, 1, 1));
        var report = await ExpectMsgAsync<StepCompleted>();
        region.Tell(new Tick(1, 2, 1));
        await ExpectMsgAsync<StepCompleted>(r => r.Step == 2);

        region.Tell(new Tick(1, 2, 1));
        Assert.Equal(2, (await ExpectMsgAsync<StepCompleted>()).Step);
        region.Tell(new Tick(1, 1, 1));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, report.Step);
    }

    [Fact]
    public async Task A_tick_that_overtakes_its_admissions_waits_for_them()
    {
        var region = await RegionAsync();

        region.Tell(new Tick(5, 1, 2));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        region.Tell(new AdmitRequests(5, 0, [new RankRequest(1, 10, 5), new RankRequest(2, 20, 5)]));

        var report = await ExpectMsgAsync<StepCompleted>();
        Assert.Equal((1, 2, 30L), (report.Step, report.ActiveBefore, report.LoadBefore));
    }

    [Fact]
    public async Task Admissions_delivered_twice_are_taken_once()
    {
        var region = await RegionAsync();
        var admit = new AdmitRequests(6, 0, [new RankRequest(1, 10, 5)]);

        region.Tell(admit);
        region.Tell(admit);
        region.Tell(new Tick(6, 1, 1));

        var report = await ExpectMsgAsync<StepCompleted>();
        Assert.Equal((1, 10L), (report.ActiveBefore, report.LoadBefore));
        region.Tell(new GetRankState(6));
        Assert.Equal(1, (await ExpectMsgAsync<RankStateResult>()).AdmittedTotal);
    }

    [Fact]
    public async Task A_tick_carries_its_ranks_admissions_and_a_repeated_tick_takes_them_once()
    {
        var region = await RegionAsync();
        var tick = new Tick(7, 1, 2, [new RankRequest(1, 10, 5), new RankRequest(2, 20, 5)]);

        region.Tell(tick);
        var report = await ExpectMsgAsync<StepCompleted>();
        region.Tell(tick);
        var again = await ExpectMsgAsync<StepCompleted>();

        Assert.Equal((1, 2, 30L), (report.Step, report.ActiveBefore, report.LoadBefore));
        // The same report again (not a second step): equal field by field, as it crossed a serializer on the way.
        Assert.Equivalent(report, again, strict: true);
        region.Tell(new GetRankState(7));
        Assert.Equal(2, (await ExpectMsgAsync<RankStateResult>()).AdmittedTotal);
    }
}
