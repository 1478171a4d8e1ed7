using Akka.Actor;
using Akka.TestKit.Xunit2;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Actors;

/// <summary>
/// A crash inside the balancer, provoked by a message no sender can build (a rank list never set). Such a message
/// cannot pass a serializer, so this spec alone runs without serialize-messages: the crash handling is what it tests.
/// </summary>
public sealed class BalancerCrashSpec() : TestKit(TestConfig.LocalWithoutSerialization())
{
    private static readonly ClusterShape Shape = new(4, 8);

    [Fact]
    public async Task A_crash_inside_the_balancer_fails_the_run_instead_of_hanging_it()
    {
        var ranks = CreateTestProbe();
        var barrier = CreateTestProbe();
        var monitor = CreateTestProbe();
        var setup = new BalancerSetup(Shape, PolicyCatalog.Create("fcfs"), ArrivalMode.Backlog, LocalRuntime.Balancing);
        var balancer = Sys.ActorOf(BalancerActor.Props(setup, barrier, ranks, monitor));

        // A malformed message (its rank list was never set) makes the handler throw.
        balancer.Tell(new RanksMissing(1, default, 1, true));

        var failed = await monitor.ExpectMsgAsync<RunFailed>();
        Assert.Contains("the balancer crashed handling RanksMissing", failed.Reason);
        balancer.Tell(new IngestedBatch([new IngestedRequest(new ServiceRequest("0", 10, 1, 1), 0, "x:1")]));
        await barrier.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

}
