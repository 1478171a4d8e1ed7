namespace Scheduler.Cli.Tests;

public sealed class SweepCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-sweep-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_small_sweep_writes_csv_rows_for_every_point_and_png_plots()
    {
        var run = CliRun.Of("sweep", "--policy", "fcfs,bfio-ref", "--ranks", "2,4", "--batch", "4", "--horizons", "0,8",
            "--seeds", "1,2", "--count", "300", "--out", _dir, "--quiet");

        Assert.Equal(0, run.ExitCode);
        // fcfs: 2 G × 2 seeds; bfio-ref: 2 G × 2 H × 2 seeds.
        var rows = File.ReadAllLines(Path.Combine(_dir, "sweep.csv"));
        Assert.Equal(1 + 4 + 8, rows.Length);
        Assert.Equal(1 + 8, File.ReadAllLines(Path.Combine(_dir, "ratio.csv")).Length);
        foreach (var png in new[] { "imbalance_vs_ranks.png", "imbalance_vs_horizon.png", "ratio_vs_sqrt_b_ln_g.png", "trajectory_fcfs.png" })
        {
            var bytes = File.ReadAllBytes(Path.Combine(_dir, png));
            Assert.True(bytes.Length > 1000, $"{png} is {bytes.Length} bytes");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }
        Assert.Contains("fcfs/policy", run.Stdout);
    }

    [Fact]
    public void A_bad_grid_value_exits_2()
    {
        var run = CliRun.Of("sweep", "--ranks", "4,x", "--quiet", "--out", _dir);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--ranks", run.Stderr);
    }
}
