using Akka.Actor;
using Akka.TestKit.Xunit2;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Results;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Actors;

/// <summary>
/// An ingress whose balancer is a cluster singleton: it greets the balancer to learn its epoch, and when a new
/// incarnation answers (the old one's node was lost) it sends it again every request it holds without a result,
/// oldest first; a request whose result was written meanwhile is not sent again.
/// </summary>
public sealed class IngressFailoverSpec() : TestKit(TestConfig.Local())
{
    private IActorRef Ingress(RecordingSource source, IActorRef balancer) =>
        Sys.ActorOf(IngressActor.Props(source, balancer, Sys.ActorOf(LineWriterActor.Props(new MemoryResultSink())),
            Sys.ActorOf(LineWriterActor.Props(new MemoryResultSink())), ResultFormat.JsonLines, false,
            new IngressSettings(100, 2) { BalancerHeartbeat = TimeSpan.FromMilliseconds(100) }, TestActor));

    [Fact]
    public async Task A_new_balancer_epoch_gets_every_request_held_without_a_result_and_none_already_written()
    {
        var source = new RecordingSource(Enumerable.Range(0, 4).Select(i => RecordingSource.Json($"r{i}", 100 + i, 3)));
        var balancer = CreateTestProbe();
        var ingress = Ingress(source, balancer);

        // The first balancer: greeted, then fed in batches of two, one batch at a time.
        await balancer.ExpectMsgAsync<IngressHello>();
        ingress.Tell(new BalancerHello(1000), balancer);
        var sent = new List<IngestedRequest>();
        while (sent.Count < 4)
        {
            var message = await balancer.ExpectMsgAsync<object>();
            if (message is not IngestedBatch batch) continue;
            sent.AddRange(batch.Requests);
            ingress.Tell(IngestedBatchAck.Instance, balancer);
        }
        Assert.Equal(["r0", "r1", "r2", "r3"], sent.Select(r => r.Request.Id));

        // r1's result is written before the balancer's node dies.
        var r1 = sent[1];
        ingress.Tell(new RequestsFinished([new FinishedRequest(new RequestResult("r1", ResultStatus.Completed, 0, 0.1, 0.2, 0.3, 3), [r1.DeliveryTag], 1, 11)]), balancer);
        await balancer.FishForMessageAsync(m => m is ResultsWritten);

        // A greeting answered by the same epoch changes nothing; a new epoch gets r0, r2, r3 again, oldest first.
        ingress.Tell(new BalancerHello(1000), balancer);
        ingress.Tell(new BalancerHello(2000), balancer);
        var resent = new List<IngestedRequest>();
        while (resent.Count < 3)
        {
            var message = await balancer.ExpectMsgAsync<object>();
            if (message is not IngestedBatch batch) continue;
            resent.AddRange(batch.Requests);
            ingress.Tell(IngestedBatchAck.Instance, balancer);
        }
        Assert.Equal(["r0", "r2", "r3"], resent.Select(r => r.Request.Id));
        Assert.Equal([sent[0].DeliveryTag, sent[2].DeliveryTag, sent[3].DeliveryTag], resent.Select(r => r.DeliveryTag));
        Assert.Equal("messages:2", Assert.Single(source.Acknowledged).Key);
    }

    [Fact]
    public async Task Without_a_heartbeat_setting_the_ingress_never_greets_its_balancer()
    {
        var source = new RecordingSource([RecordingSource.Json("only", 10, 1)]);
        var balancer = CreateTestProbe();
        Sys.ActorOf(IngressActor.Props(source, balancer, Sys.ActorOf(LineWriterActor.Props(new MemoryResultSink())),
            Sys.ActorOf(LineWriterActor.Props(new MemoryResultSink())), ResultFormat.JsonLines, false, new IngressSettings(100, 2), TestActor));
        Assert.IsType<IngestedBatch>(await balancer.ExpectMsgAsync<object>());
        await balancer.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
    }
}
