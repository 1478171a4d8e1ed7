using System.Collections.Concurrent;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using Akka.TestKit.Xunit2;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Logic;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Ingestion;

/// <summary>The ingestion graph: parsing with dead letters, and backpressure into the balancer.</summary>
public sealed class IngestionSpec() : TestKit(TestConfig.Local())
{
    [Fact]
    public async Task Malformed_records_go_to_the_dead_letter_sink_with_reason_and_line_while_the_stream_goes_on()
    {
        var deadLetters = new ConcurrentQueue<DeadLetterRecord>();
        var sink = Sink.ForEach<DeadLetterRecord>(deadLetters.Enqueue).MapMaterializedValue(_ => NotUsed.Instance);
        string[] lines =
        [
            "id,prompt_tokens,output_tokens,predicted_output_tokens,arrival_s",
            "0,100,10,10,0.0",
            "1,100,ten,10,0.1",
            "2,100,10,10,0.2",
            "",
            "3,0,10,10,0.3",
            "4,100,10,10,0.1",
            "5,100,10,10,0.5",
        ];

        var accepted = await Source.From(lines)
            .Via(IngestionFlows.ParseRecords("requests.csv", sink))
            .RunWith(Sink.Seq<IngestedRequest>(), Sys.Materializer());

        Assert.Equal([0L, 2L, 5L], accepted.Select(r => r.SourceId));
        Assert.Equal([0, 1, 2], accepted.Select(r => r.Request.Id));
        await AwaitAssertAsync(() => Assert.Equal(3, deadLetters.Count));
        Assert.Equal([3L, 6L, 7L], deadLetters.Select(d => d.Line));
        Assert.Contains("output_tokens 'ten' is not an integer", deadLetters.ElementAt(0).Reason);
        Assert.Contains("prompt_tokens 0 must be positive", deadLetters.ElementAt(1).Reason);
        Assert.Contains("timestamps must not decrease", deadLetters.ElementAt(2).Reason);
        Assert.StartsWith("requests.csv:6: ", deadLetters.ElementAt(1).ToString());
    }

    [Fact]
    public async Task The_stream_stops_demand_while_the_balancer_is_saturated_and_resumes_when_a_step_frees_room()
    {
        // One rank of one slot: the balancer holds one request decoding, 3 queued (the window is 4·G = 4) and at
        // most 4 unrevealed; one request per message, so it never overshoots. The barrier is a probe that holds
        // step 1 open, so nothing frees room until the test says so.
        var shape = new ClusterShape(1, 1);
        var ranks = CreateTestProbe();
        var barrier = CreateTestProbe();
        var monitor = CreateTestProbe();
        var loop = new PlacementLoop(shape, PolicyCatalog.Create("fcfs"), ArrivalMode.Backlog);
        var balancer = Sys.ActorOf(BalancerActor.Props(loop, barrier, ranks, monitor, null, new BalancerSettings(1, 0, TimeSpan.FromSeconds(10))));
        var materializer = Sys.Materializer(ActorMaterializerSettings.Create(Sys).WithInputBuffer(1, 1));
        var publisher = this.SourceProbe<IngestedRequest>()
            .ToMaterialized(IngestionFlows.IntoBalancer(balancer, maxBatch: 1), Keep.Left)
            .Run(materializer);
        await publisher.EnsureSubscriptionAsync();

        const int inBalancer = 1 + 3 + 4;
        var sent = await SendWhileDemanded(publisher, atLeast: inBalancer, limit: 100);

        // Demand stopped: what the balancer holds plus one element per stream stage at most (input boundary,
        // batch, the ack sink's buffer, the element at its boundary); nothing queues up in a mailbox.
        Assert.InRange(sent, inBalancer, inBalancer + 4);
        await publisher.Probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
        var begin = await barrier.ExpectMsgAsync<BeginStep>();
        Assert.Equal(1, begin.Step);
        var admitted = Assert.Single((await ranks.ExpectMsgAsync<AdmitRequests>()).Requests);

        // The step ends and its request finishes; the balancer reveals one more, has room again, and acks.
        balancer.Tell(new StepBarrierPassed(1, 0.01, 0.0, [new StepCompleted(0, 1, 0.01, 1, admitted.PromptTokens, [admitted.Id])]));
        var more = await publisher.Probe.ExpectMsgAsync<TestPublisher.RequestMore>();
        Assert.True(more.NrOfElements > 0);
        Assert.Equal(2, (await barrier.ExpectMsgAsync<BeginStep>()).Step);
    }

    /// <summary>
    /// Send one request per unit of demand until, with at least <paramref name="atLeast"/> sent, no demand comes
    /// within a quiet window (fewer than that fit for sure, so a slow machine's pause is not taken for backpressure).
    /// </summary>
    private async Task<int> SendWhileDemanded(TestPublisher.Probe<IngestedRequest> publisher, int atLeast, int limit)
    {
        long demand = 0;
        var sent = 0;
        while (sent < limit)
        {
            if (demand == 0)
            {
                var quiet = sent >= atLeast ? TimeSpan.FromMilliseconds(500) : Dilated(TimeSpan.FromSeconds(5));
                var (got, envelope) = await publisher.Probe.TryReceiveOneAsync(quiet);
                if (!got)
                {
                    Assert.True(sent >= atLeast, $"demand stopped after {sent} requests, before the balancer could be full");
                    break;
                }
                demand += ((TestPublisher.RequestMore)envelope.Message).NrOfElements;
            }
            await publisher.UnsafeSendNextAsync(new IngestedRequest(new Request(sent, 100, 1, 1), sent, sent + 1));
            sent++;
            demand--;
        }
        return sent;
    }
}
