using System.Globalization;
using Scheduler.Core.Traces;
using Scheduler.Core.Workloads;

namespace Scheduler.Cli.Tests;

/// <summary><c>scheduler workload</c>, <c>--trace synthetic:shape=</c> and <c>scheduler compare</c> on tiny matrices.</summary>
public sealed class CompareCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-compare-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Workload_writes_a_request_csv_of_the_named_shape_that_reads_back()
    {
        var path = Path.Combine(_dir, "code.csv");

        var run = CliRun.Of("workload", "--shape", "code", "--count", "300", "--seed", "5", "--out", path, "--quiet");

        Assert.Equal(0, run.ExitCode);
        var workload = RequestCsvReader.Read(path);
        Assert.Equal(300, workload.Count);
        Assert.All(workload.Requests, r =>
        {
            Assert.InRange(r.PromptTokens, 1024, 8192);
            Assert.InRange(r.OutputTokens, 5, 50);
        });
        Assert.Equal(ShapeGenerator.Generate(ShapeCatalog.Code, 300, 5).Requests, workload.Requests);
    }

    [Fact]
    public void Simulate_runs_a_generated_shape_named_as_a_trace()
    {
        var run = CliRun.Of("simulate", "--trace", "synthetic:shape=chat;count=200;seed=3", "--ranks", "4", "--batch", "8",
            "--policy", "fcfs,bfio", "--format", "csv", "--quiet");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(3, run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void An_unknown_shape_is_one_line_naming_it_and_the_known_ones()
    {
        var run = CliRun.Of("simulate", "--trace", "synthetic:shape=poetry", "--quiet");

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("poetry", line);
        Assert.Contains("long-context", line);
    }

    [Fact]
    public void Compare_writes_every_cell_and_policy_relative_to_the_best_with_heat_maps()
    {
        var run = CliRun.Of("compare", "--shapes", "code,chat", "--ranks", "4", "--batch", "8", "--seeds", "1", "--requests-per-slot", "2",
            "--loads", "0.8", "--policy", "fcfs,jsq,bfio", "--out", _dir, "--quiet", "--parallel", "2");

        Assert.Equal(0, run.ExitCode);
        var lines = File.ReadAllLines(Path.Combine(_dir, "compare.csv"));
        var header = lines[0].Split(',');
        // Two shapes × (backlog + one load) cells × three policies.
        Assert.Equal(2 * 2 * 3, lines.Length - 1);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        foreach (var figure in new[] { "throughput", "barrier_idle", "avg_imbalance" })
        {
            var column = Array.IndexOf(header, "rel_" + figure);
            foreach (var cell in rows.GroupBy(r => (r[0], r[4])))
            {
                var ratios = cell.Select(r => double.Parse(r[column], CultureInfo.InvariantCulture)).ToList();
                Assert.Equal(1.0, ratios.Min());
                Assert.All(ratios, x => Assert.True(x >= 1.0));
            }
        }
        Assert.True(new FileInfo(Path.Combine(_dir, "heatmap.png")).Length > 1000);
        Assert.True(new FileInfo(Path.Combine(_dir, "heatmap-summary.png")).Length > 1000);
        Assert.True(File.Exists(Path.Combine(_dir, "verdicts.csv")));
        Assert.Contains("bfio: wins", run.Stdout);
    }

    [Fact]
    public void Compare_judges_the_running_oracle_as_the_online_predictor_against_the_length_free_policies()
    {
        var run = CliRun.Of("compare", "--shapes", "code", "--ranks", "4", "--batch", "8", "--seeds", "1", "--requests-per-slot", "2",
            "--loads", "0.8", "--policy", "trtllm,bfio,bfio:predictor=running-oracle", "--out", _dir, "--quiet", "--parallel", "2");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("bfio:predictor=running-oracle: wins", run.Stdout);
        // Its rivals are the length-free policies only (oracle bfio is not one), and oracle bfio's exclude it (a bfio variant).
        var verdicts = File.ReadAllLines(Path.Combine(_dir, "verdicts.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        var candidate = Array.IndexOf(File.ReadAllLines(Path.Combine(_dir, "verdicts.csv"))[0].Split(','), "candidate");
        var rival = Array.IndexOf(File.ReadAllLines(Path.Combine(_dir, "verdicts.csv"))[0].Split(','), "best_rival");
        Assert.All(verdicts.Where(v => v[candidate] == "bfio:predictor=running-oracle"), v => Assert.Equal("trtllm", v[rival]));
        Assert.All(verdicts.Where(v => v[candidate] == "bfio"), v => Assert.Equal("trtllm", v[rival]));
    }

    [Fact]
    public void Compare_refuses_an_unknown_shape_before_running()
    {
        var run = CliRun.Of("compare", "--shapes", "chat,poetry");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("poetry", Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }
}
