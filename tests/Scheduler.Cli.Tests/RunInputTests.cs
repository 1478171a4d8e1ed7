using System.Globalization;
using System.Text.Json;

namespace Scheduler.Cli.Tests;

/// <summary>
/// What a new user hit with <c>scheduler run</c>: request files read by position, a byte-order mark, inputs with no valid
/// record, the reference's "avg latency", the per-request files of --out.
/// </summary>
public sealed class RunInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-run-input-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly (int Id, int Prompt, int Output)[] Requests =
        Enumerable.Range(0, 120).Select(i => (i, 50 + 37 * (i % 13), 1 + i % 9)).ToArray();

    private string Csv(string name, string header, Func<(int Id, int Prompt, int Output), string> row, bool byteOrderMark = false)
    {
        var path = Path.Combine(_dir, name);
        var text = header + "\n" + string.Join("\n", Requests.Select(row)) + "\n";
        File.WriteAllText(path, text, new System.Text.UTF8Encoding(byteOrderMark));
        return path;
    }

    private static JsonElement Summary(CliRun run)
    {
        Assert.True(run.ExitCode == 0, run.Stderr);
        return JsonDocument.Parse(run.Stdout).RootElement[0];
    }

    [Fact]
    public void A_request_csv_is_read_by_its_header_whatever_the_column_order_and_a_byte_order_mark_is_ignored()
    {
        var ordered = Csv("ordered.csv", "id,prompt_tokens,output_tokens,predicted_output_tokens", r => $"{r.Id},{r.Prompt},{r.Output},{r.Output}");
        var reordered = Csv("reordered.csv", "output_tokens,id,predicted_output_tokens,prompt_tokens", r => $"{r.Output},{r.Id},{r.Output},{r.Prompt}", byteOrderMark: true);
        string[] common = ["--ranks", "4", "--batch", "4", "--arrivals", "backlog", "--policy", "jsq", "--format", "json", "--quiet"];

        var expected = Summary(CliRun.Of(["simulate", "--requests", ordered, .. common]));
        var streamed = Summary(CliRun.Of(["run", "--requests", reordered, .. common]));

        Assert.Equal(0, streamed.GetProperty("rejected").GetInt32());
        foreach (var key in new[] { "requests", "steps", "avg_imbalance", "throughput", "makespan" })
            Assert.Equal(expected.GetProperty(key).GetDouble(), streamed.GetProperty(key).GetDouble(), 9);
    }

    [Fact]
    public void An_input_whose_every_record_is_rejected_says_why_for_each_and_exits_2()
    {
        var path = Path.Combine(_dir, "bad.csv");
        File.WriteAllLines(path, ["id,prompt_tokens,output_tokens", "a,0,4", "b,12,-4", "c,x,3"]);

        var run = CliRun.Of("run", "--requests", path, "--ranks", "2", "--batch", "2", "--policy", "fcfs", "--quiet");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"rejected: {path}:2: prompt_tokens 0 must be positive", run.Stderr);
        Assert.Contains($"rejected: {path}:3: output_tokens -4 must be positive", run.Stderr);
        Assert.Contains($"rejected: {path}:4: prompt_tokens 'x' is not an integer", run.Stderr);
        Assert.Contains("all 3 records were rejected", run.Stderr);
    }

    [Fact]
    public void Rejected_records_are_counted_in_the_summary()
    {
        var path = Csv("mixed.csv", "id,prompt_tokens,output_tokens", r => r.Id % 40 == 7 ? $"{r.Id},oops,3" : $"{r.Id},{r.Prompt},{r.Output}");

        var summary = Summary(CliRun.Of("run", "--requests", path, "--ranks", "2", "--batch", "4", "--policy", "fcfs", "--format", "json", "--quiet"));

        Assert.Equal(3, summary.GetProperty("rejected").GetInt32());
        Assert.Equal(117, summary.GetProperty("requests").GetInt32());
    }

    [Fact]
    public void With_timed_arrivals_the_summary_reports_real_latency_beside_the_references_mean_finish_time()
    {
        var path = Csv("timed.csv", "id,prompt_tokens,output_tokens,arrival_s", r => $"{r.Id},{r.Prompt},{r.Output},{r.Id * 0.5}");
        var outDir = Path.Combine(_dir, "out");

        var summary = Summary(CliRun.Of("run", "--requests", path, "--arrivals", "trace", "--rate-scale", "1", "--ranks", "2", "--batch", "4",
            "--policy", "fcfs", "--format", "json", "--quiet", "--out", outDir));

        var rows = File.ReadAllLines(Path.Combine(outDir, "fcfs.requests.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        double Mean(int column) => rows.Average(f => double.Parse(f[column], CultureInfo.InvariantCulture));
        // Columns: id,rank,prompt_tokens,output_tokens,arrival_s,admitted_s,first_token_s,finished_s,queued_s,ttft_s,e2e_s
        Assert.Equal(Mean(7), summary.GetProperty("avg_finish_time").GetDouble(), 9);
        Assert.Equal(Mean(10), summary.GetProperty("e2e_mean").GetDouble(), 9);
        // Arrivals spread over a minute: the mean finish time since t=0 is no latency.
        Assert.True(summary.GetProperty("avg_finish_time").GetDouble() > 10 * summary.GetProperty("e2e_mean").GetDouble());
    }

    [Fact]
    public void Run_and_simulate_write_the_same_per_request_file()
    {
        var path = Csv("requests.csv", "id,prompt_tokens,output_tokens,predicted_output_tokens", r => $"{r.Id},{r.Prompt},{r.Output},{r.Output}");
        string[] common = ["--requests", path, "--ranks", "3", "--batch", "4", "--arrivals", "backlog", "--policy", "bfio-ref", "--quiet"];

        Summary(CliRun.Of(["simulate", .. common, "--format", "json", "--out", Path.Combine(_dir, "sim")]));
        Summary(CliRun.Of(["run", .. common, "--format", "json", "--out", Path.Combine(_dir, "run")]));

        var simulated = File.ReadAllLines(Path.Combine(_dir, "sim", "bfio-ref.requests.csv"));
        var ran = File.ReadAllLines(Path.Combine(_dir, "run", "bfio-ref.requests.csv"));
        Assert.Equal("id,rank,prompt_tokens,output_tokens,arrival_s,admitted_s,first_token_s,finished_s,queued_s,ttft_s,e2e_s", ran[0]);
        Assert.Equal(simulated, ran);
        Assert.Equal(Requests.Length + 1, ran.Length);
    }
}
