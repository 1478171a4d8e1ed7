using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Text.Json;

namespace Scheduler.Cli.Tests.Processes;

/// <summary>
/// <c>scheduler serve</c> as a user runs it: a real process on a file, stdin or a generator, stopped by its input's
/// end or by a signal, with its results file and its /metrics read from outside.
/// </summary>
public sealed class ServeProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-serve-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// <paramref name="count"/> requests with string ids as JSON lines; every hundredth line (from line 38) is
    /// malformed in one of several ways. Returns the good ids and the 1-based numbers of the malformed lines.
    /// </summary>
    private (string Path, HashSet<string> Good, HashSet<int> Malformed) RequestFile(int count, int maxOutput = 64)
    {
        var path = Path.Combine(_dir, "requests.jsonl");
        var random = new Random(17);
        var good = new HashSet<string>();
        var malformed = new HashSet<int>();
        string[] broken =
        [
            "{\"id\": \"x\", \"prompt_tokens\": 10, \"output_tokens\": -1}",
            "{\"id\": \"x\", \"prompt_tokens\": \"ten\", \"output_tokens\": 3}",
            "{\"id\": 17, \"prompt_tokens\": 10, \"output_tokens\": 3}",
            "{\"prompt_tokens\": 10, \"output_tokens\": 3}",
            "not json at all",
            "{\"id\": \"x\", \"prompt_tokens\": 10, \"output_tokens\": 3",
        ];
        using var writer = new StreamWriter(path);
        for (var i = 0; i < count; i++)
        {
            if (i % 100 == 37)
            {
                writer.WriteLine(broken[i / 100 % broken.Length]);
                malformed.Add(i + 1);
                continue;
            }
            var id = $"req-{i:x5}-{(char)('a' + i % 26)}";
            good.Add(id);
            var output = random.Next(1, maxOutput + 1);
            writer.WriteLine($"{{\"id\": \"{id}\", \"prompt_tokens\": {random.Next(16, 2048)}, \"output_tokens\": {output}, \"tenant\": \"t{i % 3}\"}}");
        }
        return (path, good, malformed);
    }

    private static List<JsonElement> Results(string path) =>
        File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Fact]
    public async Task A_file_of_twenty_thousand_requests_with_malformed_lines_ends_by_itself_with_one_result_per_good_id_and_one_rejection_per_bad_line()
    {
        var (requests, good, malformed) = RequestFile(20_000);
        var results = Path.Combine(_dir, "results.jsonl");

        await using var serve = SchedulerProcess.Start("serve", "--source", $"file:{requests}", "--results", $"file:{results}", "--time-scale", "0",
            "--ranks", "8", "--batch", "16", "--http", "off", "--progress-interval", "off", "--metrics-snapshot", "", "--format", "json");

        Assert.True(await serve.ExitAsync(TimeSpan.FromMinutes(3)) == 0, serve.Stderr);
        var lines = Results(results);
        var completed = lines.Where(r => r.GetProperty("status").GetString() == "completed").ToList();
        var rejected = lines.Where(r => r.GetProperty("status").GetString() == "rejected").ToList();
        Assert.Equal(lines.Count, completed.Count + rejected.Count);
        Assert.Equal(good.Count, completed.Count);
        Assert.True(good.SetEquals(completed.Select(r => r.GetProperty("id").GetString()!)), "every good id has exactly one completed result");
        Assert.Equal(malformed.Order(), rejected.Select(r => Line(r.GetProperty("position").GetString()!, requests)).Order());
        Assert.All(rejected, r => Assert.False(string.IsNullOrEmpty(r.GetProperty("reason").GetString())));
        var summary = JsonDocument.Parse(serve.Stdout).RootElement;
        Assert.Equal((good.Count, malformed.Count), (summary.GetProperty("completed").GetInt32(), summary.GetProperty("rejected").GetInt32()));
    }

    private static int Line(string position, string file) =>
        position.StartsWith(file + ":", StringComparison.Ordinal)
            ? int.Parse(position[(file.Length + 1)..], CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"position '{position}' does not name {file}");

    [Fact]
    public async Task Sigterm_mid_stream_drains_and_exits_zero_with_one_result_per_accepted_request_on_whole_lines()
    {
        // Real time on a small cluster: the file takes far longer than the test waits, so the signal lands mid-stream.
        var (requests, _, _) = RequestFile(20_000, maxOutput: 400);
        var results = Path.Combine(_dir, "results.jsonl");
        await using var serve = SchedulerProcess.Start("serve", "--source", $"file:{requests}", "--results", $"file:{results}", "--time-scale", "1",
            "--ranks", "4", "--batch", "8", "--http", "off", "--progress-interval", "0.5", "--drain-timeout", "2", "--metrics-snapshot", "", "--format", "json");
        await serve.WaitForStderrAsync(l => l.StartsWith("serve ", StringComparison.Ordinal) && !l.Contains("completed 0,"), TimeSpan.FromMinutes(1));

        var signalled = Stopwatch.StartNew();
        serve.Signal(SchedulerProcess.SigTerm);

        Assert.True(await serve.ExitAsync(TimeSpan.FromMinutes(1)) == 0, serve.Stderr);
        var stopped = signalled.Elapsed;
        var summary = JsonDocument.Parse(serve.Stdout).RootElement;
        Assert.Contains("stopped by SIGTERM", summary.GetProperty("ending").GetString());
        var text = File.ReadAllText(results);
        Assert.EndsWith("\n", text);
        var lines = Results(results).Where(r => r.GetProperty("status").GetString() != "rejected").ToList();
        var ids = lines.Select(r => r.GetProperty("id").GetString()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(summary.GetProperty("accepted").GetInt32(), ids.Count);
        Assert.True(ids.Count < 19_800, "the signal came before the file was read to its end");
        // What did not finish within the drain timeout is reported, not lost.
        Assert.All(lines.Where(r => r.GetProperty("status").GetString() == "failed"), r => Assert.Equal("shutdown", r.GetProperty("reason").GetString()));
        Assert.True(stopped < TimeSpan.FromSeconds(2 + 20), $"stopped {stopped.TotalSeconds:F1} s after the signal");
    }

    [Fact]
    public async Task Metrics_scraped_while_serving_pass_promtool_and_their_counters_agree_with_the_results_at_the_end()
    {
        var (requests, good, malformed) = RequestFile(3_000, maxOutput: 100);
        var results = Path.Combine(_dir, "results.jsonl");
        var snapshot = Path.Combine(_dir, "metrics.prom");
        // The requests come on stdin, which stays open until the scrape is taken: the service cannot run out of
        // input and exit before it, however fast the machine.
        await using var serve = SchedulerProcess.Start("serve", "--source", "stdin", "--results", $"file:{results}", "--time-scale", "0",
            "--ranks", "4", "--batch", "16", "--http", "127.0.0.1:0", "--progress-interval", "off", "--metrics-snapshot", snapshot, "--format", "json");
        var listening = await serve.WaitForStderrAsync(l => l.StartsWith("serve: http on ", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        var baseAddress = listening["serve: http on ".Length..].Split(' ')[0];
        using var http = new HttpClient { BaseAddress = new Uri(baseAddress) };

        Assert.Equal("Healthy", await http.GetStringAsync("/healthz"));
        await serve.StandardInput.WriteAsync(await File.ReadAllTextAsync(requests));
        await serve.StandardInput.FlushAsync();
        var scraped = await ScrapeWhileServingAsync(http);
        Assert.Equal("Healthy", await http.GetStringAsync("/readyz"));
        serve.StandardInput.Close();
        var (promtool, output) = await Promtool(scraped);
        Assert.True(promtool == 0, $"promtool check metrics failed:\n{output}");

        Assert.True(await serve.ExitAsync(TimeSpan.FromMinutes(3)) == 0, serve.Stderr);
        var final = File.ReadAllLines(snapshot);
        var lines = Results(results);
        int Count(string status) => lines.Count(r => r.GetProperty("status").GetString() == status);
        Assert.Equal(Count("completed"), Counter(final, "scheduler_requests_completed_total"));
        Assert.Equal(Count("rejected"), Counter(final, "scheduler_requests_rejected_total"));
        Assert.Equal(Count("completed") + Count("failed"), Counter(final, "scheduler_requests_accepted_total"));
        Assert.Equal((good.Count, malformed.Count), (Count("completed"), Count("rejected")));
        Assert.Equal(0, Counter(final, "scheduler_deliveries_unacknowledged"));
    }

    /// <summary>A scrape taken once requests have completed, while the service still runs.</summary>
    private static async Task<string> ScrapeWhileServingAsync(HttpClient http)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var text = await http.GetStringAsync("/metrics");
            if (Counter(text.Split('\n'), "scheduler_requests_completed_total") > 0) return text;
            await Task.Delay(100);
        }
        throw new TimeoutException("no request completed within a minute");
    }

    private static double Counter(IEnumerable<string> lines, string name) =>
        lines.Where(l => l.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(name.Length + 1)..], CultureInfo.InvariantCulture))
            .Single();

    /// <summary>Debian's promtool (package prometheus; .ci/run installs it) on the text.</summary>
    private static async Task<(int ExitCode, string Output)> Promtool(string metrics)
    {
        var start = new ProcessStartInfo("promtool", "check metrics") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        System.Diagnostics.Process process;
        try
        {
            process = System.Diagnostics.Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("promtool is not installed: apt-get install prometheus (.ci/run does)", e);
        }
        using (process)
        {
            await process.StandardInput.WriteAsync(metrics);
            process.StandardInput.Close();
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, output);
        }
    }

    [Fact]
    public async Task Publish_paces_a_trace_into_serve_on_stdin()
    {
        var results = Path.Combine(_dir, "results.jsonl");
        await using var pipeline = SchedulerProcess.Shell(
            $"scheduler publish --count 300 --rate-scale 2000 --quiet | scheduler serve --source stdin --results file:{results} " +
            "--time-scale 0 --ranks 4 --batch 16 --http off --progress-interval off --metrics-snapshot '' --format json");

        Assert.True(await pipeline.ExitAsync(TimeSpan.FromMinutes(3)) == 0, pipeline.Stderr);
        var lines = Results(results);
        Assert.Equal(300, lines.Count);
        Assert.All(lines, r => Assert.Equal("completed", r.GetProperty("status").GetString()));
        // publish names the sampled requests 0..n−1.
        Assert.Equal(Enumerable.Range(0, 300), lines.Select(r => int.Parse(r.GetProperty("id").GetString()!, CultureInfo.InvariantCulture)).Order());
    }
}
