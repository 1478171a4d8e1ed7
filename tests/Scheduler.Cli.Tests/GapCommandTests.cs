using System.Globalization;
using System.Text.Json;
using Scheduler.Cli.Output;

namespace Scheduler.Cli.Tests;

public sealed class GapCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-gap-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string SmallRequests(int count)
    {
        var path = Path.Combine(_dir, "small.csv");
        var lines = new List<string> { "id,prompt_tokens,output_tokens,predicted_output_tokens" };
        var rng = new Random(5);
        for (var i = 0; i < count; i++)
        {
            var o = rng.Next(1, 40);
            lines.Add($"{i},{rng.Next(1, 900)},{o},{o}");
        }
        File.WriteAllLines(path, lines);
        return path;
    }

    private static double Tolerance(double a, double b) => 1e-9 * Math.Max(1.0, Math.Max(Math.Abs(a), Math.Abs(b)));

    [Fact]
    public void Gaps_are_non_negative_and_the_exact_optimum_lies_between_bound_and_objective()
    {
        var calls = Path.Combine(_dir, "calls.csv");
        var run = CliRun.Of("gap", "--requests", SmallRequests(300), "--ranks", "4", "--batch", "4",
            "--calls", calls, "--format", "json", "--quiet");

        Assert.Equal(0, run.ExitCode);
        var report = JsonDocument.Parse(run.Stdout).RootElement;
        foreach (var key in GapReportWriter.Keys) Assert.True(report.TryGetProperty(key, out _), $"missing key {key}");
        var withAdmissions = report.GetProperty("calls_with_admissions").GetInt32();
        Assert.InRange(withAdmissions, 1, report.GetProperty("calls").GetInt32());
        foreach (var key in new[] { "bound_gap_mean", "bound_gap_median", "bound_gap_p90", "bound_gap_max", "found_gap_mean" })
            Assert.True(report.GetProperty(key).GetDouble() >= -1e-9, $"{key} is negative");
        var share = report.GetProperty("exact_finished_share").GetDouble();
        Assert.InRange(share, 0.0, 1.0);
        var finished = report.GetProperty("exact_finished").GetInt32();
        Assert.Equal(finished, share * withAdmissions, 6);
        // Decisions of at most 4·G = 16 candidates into a few free slots are small enough to finish.
        Assert.True(finished > 0, "the exact solver finished on no decision");
        Assert.True(report.GetProperty("exact_gap_mean").GetDouble() >= -1e-9);
        Assert.True(report.GetProperty("bound_slack_mean").GetDouble() >= -1e-9);

        var rows = File.ReadAllLines(calls).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(report.GetProperty("calls").GetInt32(), rows.Count);
        var checkedRows = 0;
        foreach (var row in rows)
        {
            var objective = double.Parse(row[5], CultureInfo.InvariantCulture);
            var bound = double.Parse(row[6], CultureInfo.InvariantCulture);
            Assert.True(bound <= objective + Tolerance(bound, objective), $"call {row[0]}: bound {bound} above objective {objective}");
            if (row[8] != "1") continue;
            var exact = double.Parse(row[9], CultureInfo.InvariantCulture);
            Assert.True(exact <= objective + Tolerance(exact, objective), $"call {row[0]}: optimum {exact} above objective {objective}");
            Assert.True(bound <= exact + Tolerance(bound, exact), $"call {row[0]}: bound {bound} above optimum {exact}");
            checkedRows++;
        }
        Assert.Equal(finished, rows.Count(r => r[8] == "1" && int.Parse(r[4], CultureInfo.InvariantCulture) > 0));
        Assert.True(checkedRows > 0);
    }

    [Fact]
    public void Csv_output_is_one_header_and_one_row_with_every_key()
    {
        var run = CliRun.Of("gap", "--requests", SmallRequests(100), "--ranks", "2", "--batch", "4", "--exact-nodes", "0",
            "--format", "csv", "--quiet");

        Assert.Equal(0, run.ExitCode);
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal(GapReportWriter.Keys, lines[0].Split(','));
        Assert.Equal(GapReportWriter.Keys.Count, lines[1].Split(',').Length);
    }

    [Theory]
    [InlineData("--policy", "fcfs")]
    [InlineData("--policy", "bfio,bfio:h=4")]
    [InlineData("--exact-nodes", "-1")]
    public void Non_bfio_policies_and_bad_limits_exit_2_with_one_line(string option, string value)
    {
        var run = CliRun.Of("gap", "--requests", SmallRequests(10), option, value, "--quiet");

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: ", Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Help_defines_the_gap()
    {
        var run = CliRun.Of("gap", "--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("(z − r) / max(|z|, |r|, 1)", run.Stdout);
    }
}
