using Scheduler.Cli.Plots;
using Scheduler.Decode;
using Scheduler.Decode.Calibration;

namespace Scheduler.Cli.Tests;

/// <summary>The calibration chart, drawn by the CLI (the decoder carries no plotting library).</summary>
public sealed class CalibrationPlotTests
{
    [Fact]
    public void A_calibration_result_is_drawn_as_a_png()
    {
        CalibrationSample[] samples =
        [
            new(1, 512, 0.0010, 0.0011, 4), new(1, 4096, 0.0030, 0.0031, 4),
            new(4, 512, 0.0020, 0.0021, 4), new(4, 4096, 0.0045, 0.0046, 4),
        ];
        var fit = AffineFit.Fit(samples.Select(s => s.Requests).ToList(), samples.Select(s => s.KvTokens).ToList(), samples.Select(s => s.Seconds).ToList());
        var result = new CalibrationResult(fit, samples, DecoderConfig.Tiny, CalibrationOptions.Default, TimeSpan.FromSeconds(1));
        var png = Path.Combine(Path.GetTempPath(), $"calibration-{Guid.NewGuid():N}.png");
        try
        {
            CalibrationPlot.Save(result, png);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(png)[..4]);
        }
        finally
        {
            File.Delete(png);
        }
    }
}
