using System.Collections.Immutable;
using System.Text.Json;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Ingestion.Sources;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Observability;
using Scheduler.Runtime.Results;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Ingestion;

/// <summary>The ingestion graph and the ingress: parsing with dead letters, acknowledgement after the result,
/// the unacknowledged bound, redeliveries, and what a stopping service does with what it holds.</summary>
public sealed class IngestionSpec() : TestKit(TestConfig.Local())
{
    [Fact]
    public async Task A_request_csv_is_read_by_header_name_and_malformed_records_are_rejected_with_their_reason_while_the_stream_goes_on()
    {
        string[] lines =
        [
            "id,output_tokens,prompt_tokens,arrival_s",
            "a,10,100,0.0",
            "b,ten,100,0.1",
            "c,10,100,0.2",
            "",
            "d,10,0,0.3",
            "e,10,100,0.1",
            "f,10,100,0.5",
        ];

        var parsed = await new LinesRequestSource(lines, "requests.csv").Open()
            .Via(DeliveryParsing.Parse(RecordFraming.Lines, requireOrderedArrivals: true))
            .RunWith(Sink.Seq<ParsedDelivery>(), Sys.Materializer());

        var accepted = parsed.Where(p => p.Record is ParsedRecord.Accepted).Select(p => ((ParsedRecord.Accepted)p.Record).Request).ToList();
        Assert.Equal(["a", "c", "f"], accepted.Select(r => r.Id));
        Assert.All(accepted, r => Assert.Equal((100, 10, 10), (r.PromptTokens, r.OutputTokens, r.PredictedOutputTokens)));
        var rejected = parsed.Where(p => p.Record is ParsedRecord.Rejected).ToList();
        Assert.Equal(["requests.csv:3", "requests.csv:6", "requests.csv:7"], rejected.Select(r => r.Delivery.Position));
        Assert.Equal("output_tokens 'ten' is not an integer", ((ParsedRecord.Rejected)rejected[0].Record).Reason);
        Assert.Equal("prompt_tokens 0 must be positive", ((ParsedRecord.Rejected)rejected[1].Record).Reason);
        Assert.Contains("timestamps must not decrease", ((ParsedRecord.Rejected)rejected[2].Record).Reason);
    }

    [Fact]
    public async Task Acknowledgement_waits_for_the_result_to_be_durable()
    {
        var source = new RecordingSource([RecordingSource.Json("r1", 100, 3)]);
        var sink = new GatedResultSink();
        var balancer = CreateTestProbe();
        var ingress = Sys.ActorOf(IngressActor.Props(source, balancer, Sys.ActorOf(LineWriterActor.Props(sink)), Sys.ActorOf(LineWriterActor.Props(new MemoryResultSink())),
            ResultFormat.JsonLines, false, new IngressSettings(100, 16), TestActor));

        var batch = await balancer.ExpectMsgAsync<IngestedBatch>();
        var request = Assert.Single(batch.Requests);
        ingress.Tell(new RequestsFinished([new FinishedRequest(new RequestResult("r1", ResultStatus.Completed, 0, 0.1, 0.2, 0.3, 3), [request.DeliveryTag], 7, 42)]), balancer);

        // Written but not durable: not acknowledged, nothing reported.
        await balancer.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
        Assert.Empty(source.Acknowledged);

        sink.Open();
        var written = await balancer.ExpectMsgAsync<ResultsWritten>();
        Assert.Equal(new WrittenResult(7, 42), Assert.Single(written.Results));
        Assert.Equal(1, source.Acknowledged["messages:1"]);
        var line = JsonDocument.Parse(Assert.Single(sink.Lines)).RootElement;
        Assert.Equal(("r1", "completed", 3), (line.GetProperty("id").GetString(), line.GetProperty("status").GetString(), line.GetProperty("output_tokens").GetInt32()));
    }

    [Fact]
    public async Task The_ingress_stops_pulling_at_the_unacknowledged_bound_and_resumes_as_results_are_written()
    {
        const int bound = 40;
        var source = new RecordingSource(Enumerable.Range(0, 10_000).Select(i => RecordingSource.Json($"r{i}", 10, 1)));
        var balancer = CreateTestProbe();
        var ingress = Sys.ActorOf(IngressActor.Props(source, balancer, Sys.ActorOf(LineWriterActor.Props(new MemoryResultSink())),
            Sys.ActorOf(LineWriterActor.Props(new MemoryResultSink())), ResultFormat.JsonLines, false, new IngressSettings(bound, 8), TestActor),
            "bounded-ingress");

        var held = new List<IngestedRequest>();
        while (held.Count < bound)
        {
            held.AddRange((await balancer.ExpectMsgAsync<IngestedBatch>()).Requests);
            ingress.Tell(IngestedBatchAck.Instance, balancer);
        }
        await balancer.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(500));
        // The last batch taken may pass the bound by less than a batch.
        Assert.InRange(held.Count, bound, bound + 7);
        // The stream holds at most the batch being formed and the one waiting at the ingress; the source keeps the rest.
        Assert.InRange(source.Delivered, bound, bound + 3 * 8);
        var status = await ingress.Ask<IngressStatus>(GetIngressStatus.Instance);
        Assert.Equal(held.Count, status.Unacknowledged);

        // Twenty results written: twenty deliveries acknowledged, and the ingress pulls again up to the bound.
        var done = held.Take(20).Select((r, i) => new FinishedRequest(new RequestResult(r.Request.Id, ResultStatus.Completed, 0, 0, 0, 0, 1), [r.DeliveryTag], i, i)).ToImmutableArray();
        ingress.Tell(new RequestsFinished(done), balancer);
        await balancer.ExpectMsgAsync<ResultsWritten>();
        var more = 0;
        while (held.Count - 20 + more < bound)
        {
            more += (await balancer.ExpectMsgAsync<IngestedBatch>()).Requests.Length;
            ingress.Tell(IngestedBatchAck.Instance, balancer);
        }
        await balancer.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(500));
        Assert.InRange(held.Count - 20 + more, bound, bound + 7);
        Assert.Equal(20, source.Acknowledged.Count);
    }

    [Fact]
    public async Task A_live_service_gives_every_id_one_result_and_acknowledges_redeliveries_with_their_original()
    {
        var shape = new ClusterShape(2, 4);
        var messages = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            messages.Add(RecordingSource.Json($"req-{i}", 50 + i % 7, 1 + i % 9));
            if (i % 10 == 3) messages.Add(RecordingSource.Json($"req-{i}", 50 + i % 7, 1 + i % 9)); // redelivered while in flight
        }
        messages.Insert(5, "{\"id\": \"broken\", \"prompt_tokens\": -1, \"output_tokens\": 3}");
        var source = new RecordingSource(messages);
        var statistics = new ServiceStatistics();
        var ranks = Sys.ActorOf(LocalRankHost.Props(LocalRuntime.CostEngines(shape)));

        var runtime = LocalRuntime.Start(this, shape, PolicyCatalog.Create("bfio"), ranks, TestActor, source, ArrivalMode.Live,
            balancing: LocalRuntime.Balancing with { ProgressEverySteps = 0 }, observer: statistics);

        await ExpectMsgAsync<ServiceFinished>(TimeSpan.FromSeconds(30));
        var results = runtime.Results.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(300, results.Count);
        Assert.Equal(300, results.Select(r => r.GetProperty("id").GetString()).Distinct().Count());
        Assert.All(results, r => Assert.Equal("completed", r.GetProperty("status").GetString()));
        Assert.Equal(messages.Count, source.Acknowledged.Count);
        Assert.All(source.Acknowledged.Values, n => Assert.Equal(1, n));
        var summary = statistics.Snapshot(1);
        Assert.Equal((300L, 30L, 300L), (summary.Accepted, summary.Duplicates, summary.Completed));
        var deadLetter = JsonDocument.Parse(Assert.Single(runtime.DeadLetters.Lines)).RootElement;
        Assert.Equal("messages:6", deadLetter.GetProperty("position").GetString());
        Assert.Equal("prompt_tokens -1 must be positive", deadLetter.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_request_longer_than_the_model_context_fails_at_admission_with_the_reason()
    {
        var shape = new ClusterShape(1, 4);
        var source = new RecordingSource([RecordingSource.Json("fits", 90, 10), RecordingSource.Json("too-long", 95, 10)]);
        var ranks = Sys.ActorOf(LocalRankHost.Props(LocalRuntime.CostEngines(shape)));

        var runtime = LocalRuntime.Start(this, shape, PolicyCatalog.Create("fcfs"), ranks, TestActor, source, ArrivalMode.Live, maxSequenceTokens: 100);

        await ExpectMsgAsync<ServiceFinished>(TimeSpan.FromSeconds(30));
        var results = runtime.Results.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.Equal("completed", results["fits"].GetProperty("status").GetString());
        Assert.Equal("failed", results["too-long"].GetProperty("status").GetString());
        Assert.Equal("prompt_tokens + output_tokens = 105 exceeds the model's context of 100 tokens", results["too-long"].GetProperty("reason").GetString());
        Assert.Equal(2, source.Acknowledged.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stopping_service_gives_unfinished_requests_back_or_reports_them_failed(bool redelivers)
    {
        // One slot, long requests and a barrier that never closes a step: nothing can finish.
        var shape = new ClusterShape(1, 1);
        var source = new RecordingSource([RecordingSource.Json("a", 10, 1000), RecordingSource.Json("b", 10, 1000)], redelivers);
        var ranks = CreateTestProbe();
        var runtime = LocalRuntime.Start(this, shape, PolicyCatalog.Create("fcfs"), ranks, TestActor, source, ArrivalMode.Live,
            barrier: LocalRuntime.Barriers with { StepTimeout = TimeSpan.Zero });
        Assert.Single((await ranks.ExpectMsgAsync<Tick>()).Admit);
        await AwaitAssertAsync(async () => Assert.Equal(2, (await runtime.Balancer.Ask<BalancerStatus>(GetBalancerStatus.Instance)).Held));

        runtime.Balancer.Tell(ReturnUnfinished.Instance);

        Assert.Equal(2, (await ExpectMsgAsync<UnfinishedReturned>()).Count);
        if (redelivers)
        {
            Assert.Equal(2, source.GivenBack.Count);
            Assert.Empty(source.Acknowledged);
            Assert.Empty(runtime.Results.Lines);
        }
        else
        {
            Assert.Equal(2, source.Acknowledged.Count);
            var results = runtime.Results.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(["a", "b"], results.Select(r => r.GetProperty("id").GetString()).Order());
            Assert.All(results, r => Assert.Equal(("failed", "shutdown"), (r.GetProperty("status").GetString(), r.GetProperty("reason").GetString())));
        }
    }
}
