using System.Text.RegularExpressions;
using Scheduler.Cli.CommandLine;
using Scheduler.Cli.Output;

namespace Scheduler.Cli.Tests;

/// <summary>Progress when stderr is not a terminal: plain lines, paced by wall time, with done/total and a rate.</summary>
public sealed class ProgressTests
{
    /// <summary>A clock that stands still until told to move.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    private static readonly string Fixture = CliRun.RepoFile("data/fixtures/burst-n20000-seed7.requests.csv");

    [Fact]
    public void Piped_simulate_prints_progress_lines_with_done_of_total()
    {
        var run = CliRun.WithEveryProgressLine("simulate", "--requests", Fixture, "--count", "2000", "--ranks", "2", "--batch", "4", "--policy", "fcfs");

        Assert.Equal(0, run.ExitCode);
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var progress = lines.Where(l => l.StartsWith("simulate fcfs: step ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(progress);
        Assert.All(progress, l => Assert.Matches(@"finished [\d,]+/2,000 \(\d+%\)", l));
        Assert.DoesNotContain('\r', run.Stderr);
    }

    [Fact]
    public void Piped_run_prints_progress_lines_with_done_of_total()
    {
        var run = CliRun.WithEveryProgressLine("run", "--count", "300", "--ranks", "2", "--batch", "4", "--policy", "fcfs", "--format", "json");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(run.Stderr.Split('\n'), l => Regex.IsMatch(l, @"^run fcfs: step [\d,]+, admitted [\d,]+, finished [\d,]+/300 \(\d+%\)"));
    }

    [Fact]
    public void Quiet_prints_no_progress()
    {
        var run = CliRun.WithEveryProgressLine("simulate", "--requests", Fixture, "--count", "2000", "--ranks", "2", "--batch", "4", "--policy", "fcfs", "--quiet");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stderr);
    }

    [Fact]
    public void Piped_updates_print_at_most_one_line_per_interval_with_the_rate_since_the_phase_began()
    {
        var clock = new ManualClock();
        var stderr = new StringWriter();
        var progress = new ProgressReporter(new CliConsole(TextWriter.Null, stderr) { Clock = clock, ProgressInterval = TimeSpan.FromSeconds(3) }, quiet: false);

        progress.Line("input: 20,000 requests");
        clock.Advance(TimeSpan.FromSeconds(1));
        progress.Update("simulate fcfs", "step 500", 1_000, 20_000);     // 1 s since the last line: too soon
        clock.Advance(TimeSpan.FromSeconds(3));
        progress.Update("simulate fcfs", "step 2,000", 8_000, 20_000);   // 4 s: prints, 8,000 in 4 s
        clock.Advance(TimeSpan.FromSeconds(1));
        progress.Update("simulate fcfs", "step 2,500", 10_000, 20_000);  // 1 s after that line: too soon

        Assert.Equal(
            ["input: 20,000 requests", "simulate fcfs: step 2,000, finished 8,000/20,000 (40%), 2,000 req/s"],
            stderr.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void On_a_terminal_updates_rewrite_one_line_and_a_milestone_clears_it()
    {
        var stderr = new StringWriter();
        var progress = new ProgressReporter(new CliConsole(TextWriter.Null, stderr) { ErrorIsTerminal = true, Clock = new ManualClock() }, quiet: false);

        progress.Update("calibrate", null, 1, 19, "points");
        progress.Update("calibrate", null, 2, 19, "points");
        progress.Line("wrote out/calibration/cost-model.conf");

        var text = stderr.ToString();
        Assert.StartsWith("\rcalibrate: finished 1/19 (5%)", text);
        Assert.Contains("\rcalibrate: finished 2/19 (11%)", text);
        Assert.EndsWith("\rwrote out/calibration/cost-model.conf" + Environment.NewLine, text);
        Assert.Single(text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }
}
