using System.Text.Json;

namespace Scheduler.Cli.Tests.Processes;

/// <summary><c>scheduler run</c> as a real process: a signal stops it with its results file whole.</summary>
public sealed class RunProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-run-process-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Sigint_during_a_run_stops_it_with_exit_130_and_leaves_the_results_file_on_whole_lines()
    {
        var requests = Path.Combine(_dir, "requests.csv");
        var random = new Random(3);
        File.WriteAllLines(requests, new[] { "id,prompt_tokens,output_tokens,predicted_output_tokens" }
            .Concat(Enumerable.Range(0, 100_000).Select(i => { var o = random.Next(50, 400); return $"{i},{random.Next(10, 4000)},{o},{o}"; })));
        var results = Path.Combine(_dir, "results.jsonl");

        await using var run = SchedulerProcess.Start("run", "--requests", requests, "--arrivals", "backlog", "--ranks", "8", "--batch", "16",
            "--policy", "jsq", "--results", results, "--format", "json");
        for (var waited = 0; !(File.Exists(results) && new FileInfo(results).Length > 0); waited++)
        {
            Assert.True(waited < 1200, "no result was written within two minutes:\n" + run.Stderr);
            await Task.Delay(100);
        }

        run.Signal(SchedulerProcess.SigInt);

        Assert.Equal(130, await run.ExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("interrupted by SIGINT", run.Stderr);
        Assert.Contains(results, run.Stderr);
        var text = File.ReadAllText(results);
        Assert.EndsWith("\n", text);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(lines.Length, 1, 99_999);
        Assert.All(lines, l => Assert.Equal("completed", JsonDocument.Parse(l).RootElement.GetProperty("status").GetString()));
    }
}
