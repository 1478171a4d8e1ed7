using System.Text.Json;
using Scheduler.Core.Model;
using Scheduler.Core.Policies.Routing;
using Scheduler.Runtime.Ingestion.Sources;
using Scheduler.Runtime.Observability;
using Scheduler.Runtime.Results;

namespace Scheduler.Service.Tests;

/// <summary>The service bound on arrival: each request routed to a rank's own queue when it arrives (a production router,
/// or bfio's), every request still ending in one result, and the ranks' queues in the metrics.</summary>
public sealed class ArrivalBindingServiceTests
{
    [Theory]
    [InlineData("vllm")]
    [InlineData("bfio")]
    public async Task Bound_on_arrival_every_request_ends_in_one_completed_result(string router)
    {
        var lines = Enumerable.Range(0, 600).Select(i => ServiceFixture.Json($"r{i}", 20 + i * 7 % 900, 1 + i % 40)).ToList();
        var results = new MemoryResultSink();
        var launch = ServiceFixture.Launch(new LinesRequestSource(lines, "in"), results, s => s with { Binding = BindingMode.Arrival }) with
        {
            Policy = null,
            Router = ArrivalRouterCatalog.Create(router),
        };
        var log = new StringWriter();

        var outcome = await SchedulerService.RunAsync(launch, TextWriter.Synchronized(log), CancellationToken.None);

        Assert.Equal((ServiceEnding.SourceEnded, 0), (outcome.Ending, outcome.ExitCode));
        var ids = results.Lines.Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("status").GetString() == "completed").Select(r => r.GetProperty("id").GetString()).ToList();
        Assert.Equal(Enumerable.Range(0, 600).Select(i => $"r{i}").Order(), ids.Order());
        Assert.Contains($"router {router} (arrival binding)", log.ToString());
    }

    [Fact]
    public async Task Each_rank_s_queue_length_is_a_gauge_labelled_by_rank()
    {
        var metrics = new ServiceMetrics(2);

        metrics.StepCompleted(new StepObservation(1, 0.01, 0.01, 0, 0, 4, 3, [100L, 90L], [2, 2], [3, 0]));

        var scraped = await metrics.ScrapeAsync();
        Assert.Contains("scheduler_rank_queued_requests{rank=\"0\"} 3", scraped);
        Assert.Contains("scheduler_rank_queued_requests{rank=\"1\"} 0", scraped);
    }
}
