using System.Text.Json;
using Scheduler.Decode.Calibration;
using Xunit.Abstractions;

namespace Scheduler.Decode.Tests.Calibration;

[Collection(nameof(MeasurementCollection))]
public class CalibrationRunnerTests(ITestOutputHelper output)
{
    [Fact]
    public void The_default_grid_fits_the_affine_model_on_this_machine_with_r2_at_least_0_95()
    {
        var reports = new List<CalibrationProgress>();
        var result = CalibrationRunner.Run(CalibrationOptions.Default, new SynchronousProgress<CalibrationProgress>(reports.Add));
        output.WriteLine(result.Describe());

        Assert.True(result.R2 >= 0.95, $"R² = {result.R2:F4}\n{result.Describe()}");
        Assert.True(result.Cost.Beta > 0, "a request must cost something");
        Assert.True(result.Cost.Gamma > 0, "a cached token must cost something");
        Assert.Equal(CalibrationOptions.Default.Points().Count, result.Samples.Count);
        Assert.Equal(CalibrationOptions.Default.Rounds * result.Samples.Count, reports.Count);
        Assert.Equal(reports.Count, reports[^1].Done);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(60), $"the quick grid took {result.Elapsed}");
    }

    [Fact]
    public void The_fit_is_written_as_hocon_json_and_a_png()
    {
        var options = CalibrationOptions.Default
            .WithEngine(TorchDecodeOptions.Default.WithModel(DecoderConfig.Tiny))
            .WithGrid([1, 2, 4], [16, 64, 256])
            .WithRepetitions(rounds: 1, stepsPerRound: 2);
        var result = CalibrationRunner.Run(options);

        var hocon = result.ToHocon();
        Assert.Contains("scheduler.cost-model {", hocon);
        Assert.Contains("kind = affine", hocon);
        foreach (var line in hocon.Split('\n').Where(l => l.TrimStart().StartsWith("alpha") || l.TrimStart().StartsWith("gamma")))
            Assert.Matches(@"^\s+(alpha|gamma) = -?[0-9.]+(E[-+]?[0-9]+)?$", line.TrimEnd('\r'));

        using var json = JsonDocument.Parse(result.ToJson());
        var root = json.RootElement;
        Assert.Equal(result.Cost.Alpha, root.GetProperty("alpha").GetDouble());
        Assert.Equal(result.Cost.Beta, root.GetProperty("beta").GetDouble());
        Assert.Equal(result.Cost.Gamma, root.GetProperty("gamma").GetDouble());
        Assert.Equal(result.R2, root.GetProperty("r2").GetDouble());
        Assert.Equal(result.Samples.Count, root.GetProperty("samples").GetArrayLength());
        Assert.Equal(9, result.Samples.Count);
        var sample = root.GetProperty("samples")[0];
        Assert.Equal(sample.GetProperty("seconds").GetDouble() - sample.GetProperty("fitted_seconds").GetDouble(),
            sample.GetProperty("residual_seconds").GetDouble(), 1e-12);

        var png = Path.Combine(Path.GetTempPath(), $"calibration-{Guid.NewGuid():N}.png");
        try
        {
            result.SavePlot(png);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(png)[..4]);
        }
        finally
        {
            File.Delete(png);
        }
    }

    [Fact]
    public void Grids_the_fit_cannot_use_are_refused_before_measuring()
    {
        Assert.Throws<ArgumentException>(() => CalibrationRunner.Run(CalibrationOptions.Default.WithGrid([4], [512, 1024, 2048])));
        Assert.Throws<ArgumentException>(() => CalibrationRunner.Run(CalibrationOptions.Default.WithRepetitions(0, 5)));
        var tooLong = CalibrationOptions.Default.WithEngine(TorchDecodeOptions.Default.WithModel(DecoderConfig.Tiny));
        Assert.Throws<ArgumentException>(() => CalibrationRunner.Run(tooLong)); // 4096-token requests in a 512-position model
    }

    [Fact]
    public void Lengths_split_a_total_into_mixed_parts_within_bounds()
    {
        var random = new DeterministicRandom(3);
        var lengths = CalibrationRunner.SplitLengths(10_000, 7, 4096, random);
        Assert.Equal(10_000, lengths.Sum());
        Assert.All(lengths, l => Assert.InRange(l, 1, 4096));
        Assert.True(lengths.Distinct().Count() > 1);
        Assert.Equal([1, 1, 1], CalibrationRunner.SplitLengths(3, 3, 10, random));
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
