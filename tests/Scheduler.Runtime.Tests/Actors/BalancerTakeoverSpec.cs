using System.Collections.Immutable;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Scheduler.Core.CostModels;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Results;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Actors;

/// <summary>
/// A live balancer that replaces a lost one (a cluster singleton started again elsewhere): before its first step it adopts
/// what the ranks still decode, with their progress, and the requests its ingress sends it again find the adopted ones,
/// so each ends in exactly one result and nothing decoded before the loss is decoded again.
/// </summary>
public sealed class BalancerTakeoverSpec() : TestKit(TestConfig.Local())
{
    private static readonly ClusterShape Shape = new(2, 4);
    private const int LongOutput = 300, ShortOutput = 20;

    /// <summary>Every step takes 2 ms of real time, so that the first balancer can be stopped mid-decode.</summary>
    private sealed class FixedStep : IStepCostModel
    {
        public string Describe() => "2 ms";
        public double RankSeconds(int activeRequests, long load) => 0.002;
    }

    private (IActorRef Balancer, IActorRef Barrier) Balancer(long epoch, IActorRef ranks, IActorRef monitor)
    {
        var barrier = Sys.ActorOf(BarrierActor.Props(Shape.Ranks, ranks, LocalRuntime.Barriers, epoch));
        var setup = new BalancerSetup(Shape, PolicyCatalog.Create("fcfs"), ArrivalMode.Live, LocalRuntime.Balancing) { Epoch = epoch };
        return (Sys.ActorOf(BalancerActor.Props(setup, barrier, ranks, monitor)), barrier);
    }

    /// <summary>Eight long requests fill both ranks; two short ones wait.</summary>
    private static IngestedBatch Requests() => new([.. Enumerable.Range(0, 10).Select(i =>
        new IngestedRequest(new ServiceRequest($"r{i}", 100 + i, i < 8 ? LongOutput : ShortOutput, 0), 1000 + i, $"test:{i}"))]);

    [Fact]
    public async Task A_new_balancer_adopts_the_requests_the_ranks_decode_and_finishes_each_once_without_decoding_it_again()
    {
        var ranks = Sys.ActorOf(LocalRankHost.Props(new CostModelEngineFactory(new FixedStep(), Shape.BatchSize, timeScale: 1), registerLocally: false));
        var ingress = CreateTestProbe();
        var monitor = CreateTestProbe();
        var probe = CreateTestProbe();

        var (lost, lostBarrier) = Balancer(1000, ranks, monitor);
        lost.Tell(Requests(), ingress);
        await ingress.ExpectMsgAsync<IngestedBatchAck>();
        await AwaitAssertAsync(async () =>
        {
            lost.Tell(GetBalancerStatus.Instance, probe);
            Assert.True((await probe.ExpectMsgAsync<BalancerStatus>()).Step >= 40);
        }, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));
        probe.Watch(lost);
        probe.Watch(lostBarrier);
        Sys.Stop(lost);
        Sys.Stop(lostBarrier);
        var gone = new[] { (await probe.ExpectMsgAsync<Terminated>()).ActorRef, (await probe.ExpectMsgAsync<Terminated>()).ActorRef };
        Assert.Equal(new[] { lost, lostBarrier }.Order(), gone.Order());

        // The replacement; its ingress sends it again every request it holds without a result.
        IActorRef balancer = ActorRefs.Nobody;
        await EventFilter.Warning(contains: "adopted 8 request(s)").ExpectOneAsync(() =>
        {
            balancer = Balancer(2000, ranks, monitor).Balancer;
            balancer.Tell(Requests(), ingress);
            balancer.Tell(IngestionCompleted.Instance, ingress);
            return Task.CompletedTask;
        });

        var results = new List<FinishedRequest>();
        while (results.Count < 10)
        {
            var message = await ingress.ExpectMsgAsync<object>(TimeSpan.FromSeconds(20));
            if (message is not RequestsFinished finished) continue;
            results.AddRange(finished.Requests);
            balancer.Tell(new ResultsWritten([.. finished.Requests.Select(r => new WrittenResult(r.Slot, r.Serial))]), ingress);
        }
        var done = await monitor.FishForMessageAsync<ServiceFinished>(m => m is ServiceFinished, TimeSpan.FromSeconds(20));

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"r{i}").Order(), results.Select(r => r.Result.Id).Order());
        Assert.All(results, r => Assert.Equal(ResultStatus.Completed, r.Result.Status));
        Assert.All(results, r => Assert.Equal([1000 + int.Parse(r.Result.Id[1..])], r.DeliveryTags.ToArray()));
        Assert.All(results, r => Assert.Equal(r.Result.Id is "r8" or "r9" ? ShortOutput : LongOutput, r.Result.OutputTokens));
        // Decoded again from their prompts, the long requests alone would take 300 steps, and the short ones 20 after them.
        Assert.True(done.Step < LongOutput, $"the new balancer ran {done.Step} steps");
        await ingress.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Adopted_requests_no_ingress_claims_are_written_all_the_same_when_the_input_ends()
    {
        var ranks = Sys.ActorOf(LocalRankHost.Props(new CostModelEngineFactory(new FixedStep(), Shape.BatchSize, timeScale: 1), registerLocally: false));
        var ingress = CreateTestProbe();
        var monitor = CreateTestProbe();
        var probe = CreateTestProbe();
        var (lost, lostBarrier) = Balancer(1000, ranks, monitor);
        lost.Tell(new IngestedBatch([.. Requests().Requests.Take(8)]), ingress);
        await ingress.ExpectMsgAsync<IngestedBatchAck>();
        await AwaitAssertAsync(async () =>
        {
            lost.Tell(GetBalancerStatus.Instance, probe);
            Assert.True((await probe.ExpectMsgAsync<BalancerStatus>()).Step >= 10);
        }, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));
        Sys.Stop(lostBarrier);
        Sys.Stop(lost);

        // The ingress that held their deliveries was lost with the balancer: the new one's input ends with nothing sent again.
        var (balancer, _) = Balancer(2000, ranks, monitor);
        balancer.Tell(IngestionCompleted.Instance, ingress);

        var results = new List<FinishedRequest>();
        while (results.Count < 8)
        {
            var finished = await ingress.FishForMessageAsync<RequestsFinished>(m => m is RequestsFinished, TimeSpan.FromSeconds(20));
            results.AddRange(finished.Requests);
            balancer.Tell(new ResultsWritten([.. finished.Requests.Select(r => new WrittenResult(r.Slot, r.Serial))]), ingress);
        }
        await monitor.FishForMessageAsync<ServiceFinished>(m => m is ServiceFinished, TimeSpan.FromSeconds(20));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"r{i}").Order(), results.Select(r => r.Result.Id).Order());
        Assert.All(results, r => Assert.Empty(r.DeliveryTags));
    }
}
