using System.Net;
using System.Text.Json;
using Akka.Streams.Dsl;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Ingestion.Sources;
using Scheduler.Runtime.Results;

namespace Scheduler.Service.Tests;

/// <summary>The service in process: how it ends (its input's end, idleness, a stop, a failure) and what it reports.</summary>
public sealed class SchedulerServiceTests
{
    private static List<JsonElement> Results(MemoryResultSink sink) => sink.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Fact]
    public async Task A_source_that_ends_ends_the_service_once_every_request_has_its_result()
    {
        var lines = Enumerable.Range(0, 500).Select(i => ServiceFixture.Json($"r{i}", 20 + i % 300, 1 + i % 17)).ToList();
        lines.Insert(100, "{\"id\": \"bad\", \"prompt_tokens\": 0, \"output_tokens\": 1}");
        var results = new MemoryResultSink();

        var outcome = await SchedulerService.RunAsync(ServiceFixture.Launch(new LinesRequestSource(lines, "in"), results), TextWriter.Null, CancellationToken.None);

        Assert.Equal((ServiceEnding.SourceEnded, 0), (outcome.Ending, outcome.ExitCode));
        var written = Results(results);
        Assert.Equal(500, written.Count(r => r.GetProperty("status").GetString() == "completed"));
        var rejected = Assert.Single(written, r => r.GetProperty("status").GetString() == "rejected");
        Assert.Equal("in:101", rejected.GetProperty("position").GetString());
        Assert.Equal((500L, 500L, 1L, 0L), (outcome.Summary.Accepted, outcome.Summary.Completed, outcome.Summary.Rejected, outcome.Summary.Failed));
        Assert.Equal(written.Where(r => r.TryGetProperty("output_tokens", out _) && r.GetProperty("status").GetString() == "completed")
            .Sum(r => r.GetProperty("output_tokens").GetInt64()), outcome.Summary.CompletedOutputTokens);
    }

    [Fact]
    public async Task A_stop_drains_what_is_in_the_service_and_reports_the_rest_failed_for_a_source_that_cannot_take_it_back()
    {
        // Real time, long outputs: the stop comes while requests are decoding; the drain timeout cuts them short.
        var source = new SyntheticRequestSource(new SyntheticWorkload(1) { PromptMin = 10, PromptMax = 100, OutputMin = 2_000, OutputMax = 4_000 }, null, 200);
        var results = new MemoryResultSink();
        using var stop = new CancellationTokenSource();
        var log = new StringWriter();

        var running = SchedulerService.RunAsync(ServiceFixture.Launch(source, results, s => s with { DrainTimeout = TimeSpan.FromMilliseconds(300) }, timeScale: 1.0),
            TextWriter.Synchronized(log), stop.Token);
        stop.CancelAfter(TimeSpan.FromSeconds(2));
        var outcome = await running;

        Assert.Equal((ServiceEnding.Stopped, 0), (outcome.Ending, outcome.ExitCode));
        Assert.True(outcome.Unfinished > 0, "requests were still decoding when the drain timed out");
        var written = Results(results);
        Assert.Equal(outcome.Summary.Accepted, written.Count);
        Assert.Equal(written.Count, written.Select(r => r.GetProperty("id").GetString()).Distinct().Count());
        Assert.Equal(outcome.Unfinished, written.Count(r => r.GetProperty("status").GetString() == "failed" && r.GetProperty("reason").GetString() == "shutdown"));
        Assert.Equal(outcome.Unfinished, outcome.Summary.FailureReasons["shutdown"]);
    }

    [Fact]
    public async Task With_nothing_to_do_for_the_idle_time_the_service_stops_by_itself()
    {
        // An endless trickle that stops: 50 requests, then nothing, for a source that never ends.
        var source = new SyntheticRequestSource(new SyntheticWorkload(1) { OutputMax = 8 }, 50, 1000);
        var results = new MemoryResultSink();

        var outcome = await SchedulerService.RunAsync(
            ServiceFixture.Launch(new NeverEndingSource(source), results, s => s with { ExitWhenIdle = TimeSpan.FromMilliseconds(500) }),
            TextWriter.Null, CancellationToken.None);

        Assert.Equal(ServiceEnding.Idle, outcome.Ending);
        Assert.Equal(50, Results(results).Count);
        Assert.Equal(50, outcome.Summary.Completed);
    }

    [Fact]
    public async Task The_http_endpoint_serves_health_readiness_and_prometheus_metrics_while_the_service_runs()
    {
        var source = new SyntheticRequestSource(new SyntheticWorkload(1) { OutputMax = 64 }, null, 500);
        using var stop = new CancellationTokenSource();
        var log = new LineSignal("serve: http on ");

        var running = SchedulerService.RunAsync(
            ServiceFixture.Launch(source, new MemoryResultSink(), s => s with { Http = new HttpEndpoint("127.0.0.1", 0) }, timeScale: 1.0),
            log, stop.Token);
        var address = (await log.Line.WaitAsync(TimeSpan.FromMinutes(1)))["serve: http on ".Length..].Split(' ')[0];
        using var http = new HttpClient { BaseAddress = new Uri(address) };

        Assert.StartsWith("http://127.0.0.1:", address);
        Assert.Equal("Healthy", await http.GetStringAsync("/healthz"));
        string metrics = "";
        for (var attempt = 0; attempt < 300 && !metrics.Contains("scheduler_ranks_ready 4"); attempt++)
        {
            metrics = await http.GetStringAsync("/metrics");
            if (!metrics.Contains("scheduler_ranks_ready 4")) await Task.Delay(100);
        }
        var ready = await http.GetAsync("/readyz");
        stop.Cancel();
        var outcome = await running;

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        foreach (var name in new[]
                 {
                     "scheduler_requests_accepted_total", "scheduler_requests_rejected_total", "scheduler_requests_completed_total",
                     "scheduler_requests_failed_total", "scheduler_requests_duplicate_total", "scheduler_requests_waiting",
                     "scheduler_deliveries_unacknowledged", "scheduler_rank_load_tokens", "scheduler_rank_active_requests",
                     "scheduler_step_seconds", "scheduler_barrier_idle_ratio", "scheduler_decision_seconds",
                     "scheduler_request_ttft_seconds", "scheduler_request_e2e_seconds",
                 })
            Assert.Contains($"# TYPE {name} ", metrics);
        Assert.Contains("scheduler_rank_load_tokens{rank=\"3\"}", metrics);
        Assert.Equal(ServiceEnding.Stopped, outcome.Ending);
        Assert.Equal(address + "/metrics", outcome.MetricsUrl);
    }

    [Fact]
    public async Task Each_rank_hosts_round_trip_and_its_own_share_are_histograms_labelled_by_host()
    {
        var metrics = new ServiceMetrics(4);

        metrics.HostAnswered("10.0.0.2:4053", 0.0006, 0.00004);
        metrics.HostAnswered("10.0.0.2:4053", 0.0009, 0.00005);
        metrics.HostAnswered("10.0.0.3:4053", 0.004, 0.0031);

        var scraped = await metrics.ScrapeAsync();
        Assert.Contains("scheduler_rank_host_round_trip_seconds_count{host=\"10.0.0.2:4053\"} 2", scraped);
        Assert.Contains("scheduler_rank_host_round_trip_seconds_sum{host=\"10.0.0.3:4053\"} 0.004", scraped);
        Assert.Contains("scheduler_rank_host_held_seconds_count{host=\"10.0.0.3:4053\"} 1", scraped);
        Assert.Contains("scheduler_rank_host_held_seconds_sum{host=\"10.0.0.3:4053\"} 0.0031", scraped);
        Assert.Contains("scheduler_rank_host_held_seconds_count{host=\"10.0.0.2:4053\"} 2", scraped);
    }

    [Fact]
    public async Task A_sink_that_cannot_write_fails_the_service_with_its_reason_and_exit_code_1()
    {
        var lines = Enumerable.Range(0, 50).Select(i => ServiceFixture.Json($"r{i}", 10, 3)).ToList();

        var outcome = await SchedulerService.RunAsync(ServiceFixture.Launch(new LinesRequestSource(lines, "in"), new FailingSink()), TextWriter.Null, CancellationToken.None);

        Assert.Equal((ServiceEnding.Failed, 1), (outcome.Ending, outcome.ExitCode));
        Assert.Contains("disk full", outcome.Error);
    }

    /// <summary>Delivers what its inner source delivers, then stays open (as a broker does).</summary>
    private sealed class NeverEndingSource(Scheduler.Runtime.Ingestion.IRequestSource inner) : Scheduler.Runtime.Ingestion.IRequestSource
    {
        public string Name => inner.Name;
        public bool Redelivers => false;
        public Scheduler.Runtime.Ingestion.RecordFraming Framing => inner.Framing;

        public Akka.Streams.Dsl.Source<Scheduler.Runtime.Ingestion.Delivery, Akka.NotUsed> Open() =>
            inner.Open().Concat(Source.Never<Delivery>());
    }

    private sealed class FailingSink : IResultSink
    {
        public string Name => "failing";
        public ResultFormat Format => ResultFormat.JsonLines;
        public void Write(string line) { }
        public Task FlushAsync(CancellationToken cancellationToken) => Task.FromException(new IOException("disk full"));
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>A log that signals the first line starting with a prefix.</summary>
    private sealed class LineSignal(string prefix) : TextWriter
    {
        private readonly TaskCompletionSource<string> _line = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> Line => _line.Task;
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void WriteLine(string? value)
        {
            if (value is not null && value.StartsWith(prefix, StringComparison.Ordinal)) _line.TrySetResult(value);
        }
    }
}
