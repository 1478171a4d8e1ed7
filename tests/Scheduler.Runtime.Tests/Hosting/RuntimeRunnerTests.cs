using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Results;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Hosting;

/// <summary>Whole runs through <see cref="RuntimeRunner"/>: a fresh single-node cluster per run.</summary>
public sealed class RuntimeRunnerTests
{
    private static readonly ClusterShape Shape = new(8, 16);

    private static Workload Timed(double rate, int count = 3000) =>
        new SyntheticWorkload(count, Seed: 21) { RatePerSecond = rate, PromptMax = 1024, OutputMax = 96 }.ToWorkload();

    [Theory]
    [InlineData("bfio-ref", 2000.0)]
    [InlineData("jsq", 40.0)]
    public async Task Timed_arrivals_replayed_in_virtual_time_match_the_simulator(string policy, double rate)
    {
        var workload = Timed(rate);
        // Replaying at twice the rate is the simulator's run of the trace with its timestamps halved.
        var halved = new Workload(workload.Requests.Select(r => r with { ArrivalSeconds = r.ArrivalSeconds / 2.0 }), "halved");
        var simulated = Simulator.Run(halved, PolicyCatalog.Create(policy), new SimulationOptions(Shape) { Arrivals = ArrivalMode.Trace });

        var run = await RuntimeRunner.RunAsync(new RuntimeRunRequest
        {
            Input = RequestInput.Of(workload),
            Shape = Shape,
            Policy = PolicyCatalog.Create(policy),
            Arrivals = ArrivalMode.Trace,
            RateScale = 2.0,
        });

        RunAssert.SameAdmissions(simulated.Admissions, run.Admissions);
        RunAssert.SameMetrics(simulated.Summary, run.Summary);
        RunAssert.SameSteps(simulated.Steps, run.Steps);
    }

    [Fact]
    public async Task The_synthetic_generator_runs_like_the_workload_it_describes()
    {
        var spec = new SyntheticWorkload(2000, Seed: 4) { RatePerSecond = 500, OutputMax = 64 };
        var simulated = Simulator.Run(spec.ToWorkload(), PolicyCatalog.Create("round-robin"), new SimulationOptions(Shape) { Arrivals = ArrivalMode.Trace });

        var run = await RuntimeRunner.RunAsync(new RuntimeRunRequest
        {
            Input = new RequestInput.FromSynthetic(spec),
            Shape = Shape,
            Policy = PolicyCatalog.Create("round-robin"),
            Arrivals = ArrivalMode.Trace,
        });

        RunAssert.SameAdmissions(simulated.Admissions, run.Admissions);
        RunAssert.SameMetrics(simulated.Summary, run.Summary);
    }

    [Fact]
    public async Task A_request_file_is_streamed_line_by_line_and_matches_the_simulator()
    {
        var fixture = ReferenceFixture.Small.Value;
        var simulated = Simulator.Run(fixture.Workload, fixture.Policy("fcfs"), new SimulationOptions(fixture.Shape));

        var run = await RuntimeRunner.RunAsync(new RuntimeRunRequest
        {
            Input = new RequestInput.FromFile(fixture.RequestsPath),
            Shape = fixture.Shape,
            Policy = fixture.Policy("fcfs"),
        });

        RunAssert.SameAdmissions(simulated.Admissions, run.Admissions);
        RunAssert.SameMetrics(simulated.Summary, run.Summary);
        Assert.Empty(run.DeadLetters);
    }

    [Fact]
    public async Task Malformed_lines_are_dead_lettered_and_the_valid_ones_run_as_if_alone()
    {
        var fixture = ReferenceFixture.Small.Value;
        var lines = File.ReadLines(fixture.RequestsPath).Take(2001).ToList();
        lines.Insert(10, "9a,100,ten,10");
        lines.Insert(500, "499,100,-3,10");
        lines.Insert(1500, "1497,100,3");
        var valid = new Workload(fixture.Workload.Requests.Take(2000), "first 2000");
        var simulated = Simulator.Run(valid, PolicyCatalog.Create("jsq"), new SimulationOptions(fixture.Shape));

        var run = await RuntimeRunner.RunAsync(new RuntimeRunRequest
        {
            Input = RequestInput.OfLines(lines, "requests.csv"),
            Shape = fixture.Shape,
            Policy = PolicyCatalog.Create("jsq"),
        });

        RunAssert.SameAdmissions(simulated.Admissions, run.Admissions);
        RunAssert.SameMetrics(simulated.Summary, run.Summary);
        Assert.Equal(["requests.csv:11", "requests.csv:501", "requests.csv:1501"], run.DeadLetters.Select(d => d.Position));
        Assert.Contains("output_tokens 'ten' is not an integer", run.DeadLetters[0].Reason);
        Assert.Contains("output_tokens -3 must be positive", run.DeadLetters[1].Reason);
        Assert.Contains("too few fields", run.DeadLetters[2].Reason);
        Assert.Equal(3, run.Summary.Rejected);
    }

    [Fact]
    public async Task Columns_are_read_by_header_name_whatever_their_order_and_a_byte_order_mark_is_ignored()
    {
        var fixture = ReferenceFixture.Small.Value;
        var requests = fixture.Workload.Requests.Take(500).ToList();
        // Output before prompt, an extra column, a BOM: read by position, prompt and output would swap.
        var lines = new List<string> { "\uFEFFoutput_tokens,comment,prompt_tokens,predicted_output_tokens,id" };
        lines.AddRange(requests.Select(r => $"{r.OutputTokens},x,{r.PromptTokens},{r.PredictedOutputTokens},{r.Id}"));
        var simulated = Simulator.Run(new Workload(requests, "first 500"), PolicyCatalog.Create("fcfs"), new SimulationOptions(fixture.Shape));

        var run = await RuntimeRunner.RunAsync(new RuntimeRunRequest
        {
            Input = RequestInput.OfLines(lines, "reordered.csv"),
            Shape = fixture.Shape,
            Policy = PolicyCatalog.Create("fcfs"),
        });

        Assert.Empty(run.DeadLetters);
        RunAssert.SameMetrics(simulated.Summary, run.Summary);
    }

    [Fact]
    public async Task An_input_whose_every_record_is_rejected_fails_with_the_reasons()
    {
        var error = await Assert.ThrowsAsync<RuntimeRunException>(() => RuntimeRunner.RunAsync(new RuntimeRunRequest
        {
            Input = RequestInput.OfLines(["id,prompt_tokens,output_tokens", "a,0,5", "b,10,x"], "bad.csv"),
            Shape = Shape,
            Policy = PolicyCatalog.Create("fcfs"),
        }));

        Assert.Contains("all 2 records were rejected", error.Message);
        Assert.Equal(["bad.csv:2", "bad.csv:3"], error.DeadLetters.Select(d => d.Position));
    }

    [Theory]
    [InlineData("results.csv")]
    [InlineData("results.jsonl")]
    public async Task Every_request_has_one_result_in_the_results_file(string name)
    {
        var workload = Timed(500, count: 800);
        var path = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}-{name}");
        try
        {
            var run = await RuntimeRunner.RunAsync(new RuntimeRunRequest
            {
                Input = RequestInput.Of(workload),
                Shape = Shape,
                Policy = PolicyCatalog.Create("fcfs"),
                Arrivals = ArrivalMode.Trace,
                ResultsPath = path,
            });

            var format = ResultLines.FormatFor(path);
            var lines = File.ReadAllLines(path);
            var rows = format == ResultFormat.Csv ? lines[1..] : lines;
            Assert.Equal(workload.Count, rows.Length);
            var state = run.FinalState;
            var seen = new HashSet<int>();
            foreach (var row in rows)
            {
                var (id, status, rank, e2e) = Parse(row, format);
                Assert.True(seen.Add(id), $"request {id} has two results");
                Assert.Equal("completed", status);
                Assert.Equal(state.RankOf(id), rank);
                Assert.Equal(state.FinishTime(id) - state.ArrivalSeconds(id), e2e, 9);
            }
            if (format == ResultFormat.Csv) Assert.Equal(ResultLines.CsvHeader, lines[0]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (int Id, string Status, int Rank, double E2e) Parse(string row, ResultFormat format)
    {
        if (format == ResultFormat.JsonLines)
        {
            var json = JsonDocument.Parse(row).RootElement;
            return (int.Parse(json.GetProperty("id").GetString()!, CultureInfo.InvariantCulture), json.GetProperty("status").GetString()!,
                json.GetProperty("rank").GetInt32(), json.GetProperty("e2e_s").GetDouble());
        }
        var f = row.Split(',');
        return (int.Parse(f[0], CultureInfo.InvariantCulture), f[1], int.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[5], CultureInfo.InvariantCulture));
    }

    private sealed class Collect<T> : IProgress<T>
    {
        public ConcurrentQueue<T> Reports { get; } = new();

        public void Report(T value) => Reports.Enqueue(value);
    }

    [Fact]
    public async Task Progress_counts_steps_admitted_and_finished_requests_as_the_run_goes()
    {
        var progress = new Collect<RuntimeProgress>();

        var run = await RuntimeRunner.RunAsync(new RuntimeRunRequest
        {
            Input = RequestInput.Of(Timed(2000, 1000)),
            Shape = Shape,
            Policy = PolicyCatalog.Create("fcfs"),
            ConfigOverrides = "scheduler.runtime.progress.every-steps = 10",
        }, progress);

        var reports = progress.Reports.ToList();
        Assert.True(reports.Count >= run.Summary.Steps / 10);
        Assert.Equal(Enumerable.Range(1, reports.Count - 1).Select(i => i * 10), reports.SkipLast(1).Select(r => r.Step));
        Assert.Equal((run.Summary.Steps, 1000L, 1000L, 1000L), (reports[^1].Step, reports[^1].Received, reports[^1].Admitted, reports[^1].Finished));
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.Finished <= p.Second.Finished));
    }

    /// <summary>Rank <paramref name="silentRank"/>'s engine never finishes step <paramref name="silentStep"/>.</summary>
    private sealed class SilentRankEngines(IDecodeEngineFactory inner, int silentRank, int silentStep) : IDecodeEngineFactory
    {
        public string Kind => inner.Kind;

        public IDecodeEngine Create(int rank) => rank == silentRank ? new Silent(inner.Create(rank), silentStep) : inner.Create(rank);

        private sealed class Silent(IDecodeEngine engine, int silentStep) : IDecodeEngine
        {
            private int _steps;
            public string Kind => engine.Kind;
            public int ActiveCount => engine.ActiveCount;
            public long Load => engine.Load;
            public void Admit(in RankRequest request) => engine.Admit(request);
            public void Dispose() => engine.Dispose();

            public ValueTask<DecodeStepResult> StepAsync(CancellationToken cancellationToken) =>
                ++_steps == silentStep
                    ? new ValueTask<DecodeStepResult>(Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith<DecodeStepResult>(_ => throw new OperationCanceledException(), TaskScheduler.Default))
                    : engine.StepAsync(cancellationToken);
        }
    }

    [Fact]
    public async Task A_rank_that_never_completes_a_step_fails_the_run_naming_the_rank_and_step()
    {
        var engines = new SilentRankEngines(new CostModelEngineFactory(Core.CostModels.ReferenceLinearCost.ForBatch(16), 16), silentRank: 2, silentStep: 3);

        var error = await Assert.ThrowsAsync<RuntimeRunException>(() => RuntimeRunner.RunAsync(new RuntimeRunRequest
        {
            Input = RequestInput.Of(Timed(2000, 500)),
            Shape = Shape,
            Policy = PolicyCatalog.Create("fcfs"),
            EngineFactory = engines,
            ConfigOverrides = "scheduler.runtime.barrier { step-timeout = 500ms, max-timeouts-per-step = 2 }",
        }));

        Assert.Contains("rank(s) 2 did not complete step 3 after 2 timeout(s) of 00:00:00.5", error.Message);
        Assert.Equal(2, error.Step);
    }

    [Fact]
    public async Task Messages_survive_serialization_end_to_end()
    {
        var workload = Timed(2000, 600);
        var simulated = Simulator.Run(workload, PolicyCatalog.Create("bfio-ref:h=0"), new SimulationOptions(Shape));

        var run = await RuntimeRunner.RunAsync(new RuntimeRunRequest
        {
            Input = RequestInput.Of(workload),
            Shape = Shape,
            Policy = PolicyCatalog.Create("bfio-ref:h=0"),
            ConfigOverrides = "akka.actor.serialize-messages = on",
        });

        RunAssert.SameAdmissions(simulated.Admissions, run.Admissions);
        RunAssert.SameMetrics(simulated.Summary, run.Summary);
    }

    [Fact]
    public async Task The_balancer_can_run_on_a_thread_of_its_own()
    {
        var workload = Timed(2000, 600);
        var simulated = Simulator.Run(workload, PolicyCatalog.Create("bfio-ref"), new SimulationOptions(Shape));

        var run = await RuntimeRunner.RunAsync(new RuntimeRunRequest
        {
            Input = RequestInput.Of(workload),
            Shape = Shape,
            Policy = PolicyCatalog.Create("bfio-ref"),
            ConfigOverrides = "scheduler.runtime.balancer.dispatcher = scheduler-balancer-dispatcher",
        });

        RunAssert.SameAdmissions(simulated.Admissions, run.Admissions);
    }

    [Fact]
    public async Task The_node_binds_the_loopback_interface_and_releases_its_port_when_the_run_ends()
    {
        var run = await RuntimeRunner.RunAsync(new RuntimeRunRequest
        {
            Input = RequestInput.Of(Timed(2000, 200)),
            Shape = Shape,
            Policy = PolicyCatalog.Create("fcfs"),
        });

        var address = new Uri(run.NodeAddress.Replace("akka.tcp", "tcp", StringComparison.Ordinal));
        Assert.Equal("127.0.0.1", address.Host);
        Assert.True(address.Port > 0);
        var listener = new TcpListener(IPAddress.Loopback, address.Port);
        listener.Start();
        listener.Stop();
    }

    [Fact]
    public async Task A_cancelled_run_stops_with_cancellation()
    {
        using var cancel = new CancellationTokenSource();
        var progress = new Cancelling(cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RuntimeRunner.RunAsync(new RuntimeRunRequest
        {
            Input = RequestInput.Of(ReferenceFixture.Small.Value.Workload),
            Shape = ReferenceFixture.Small.Value.Shape,
            Policy = PolicyCatalog.Create("fcfs"),
            ConfigOverrides = "scheduler.runtime.progress.every-steps = 5",
        }, progress, cancel.Token));
        Assert.True(progress.Seen > 0);
    }

    private sealed class Cancelling(CancellationTokenSource cancel) : IProgress<RuntimeProgress>
    {
        public int Seen;

        public void Report(RuntimeProgress value)
        {
            Interlocked.Increment(ref Seen);
            cancel.Cancel();
        }
    }

    [Theory]
    [InlineData("torch", "not built into Scheduler.Runtime")]
    [InlineData("gpu", "unknown engine 'gpu'")]
    public async Task An_engine_that_cannot_be_made_is_refused_before_anything_starts(string engine, string message)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => RuntimeRunner.RunAsync(new RuntimeRunRequest
        {
            Input = RequestInput.Of(Timed(10, 10)),
            Shape = Shape,
            Policy = PolicyCatalog.Create("fcfs"),
            Engine = engine,
        }));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public async Task A_missing_request_file_is_reported_by_name()
    {
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => RuntimeRunner.RunAsync(new RuntimeRunRequest
        {
            Input = new RequestInput.FromFile("/nonexistent/requests.csv"),
            Shape = Shape,
            Policy = PolicyCatalog.Create("fcfs"),
        }));
        Assert.Contains("/nonexistent/requests.csv", error.Message);
    }
}
