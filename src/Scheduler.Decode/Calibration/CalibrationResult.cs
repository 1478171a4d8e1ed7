using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Scheduler.Core.CostModels;

namespace Scheduler.Decode.Calibration;

/// <summary>A calibration's fit and the points it came from, with the HOCON, JSON and plot it writes.</summary>
public sealed record CalibrationResult(
    AffineFit Fit, IReadOnlyList<CalibrationSample> Samples, DecoderConfig Model, CalibrationOptions Options, TimeSpan Elapsed)
{
    /// <summary>The core's cost model with the fitted coefficients.</summary>
    public AffineCost Cost => Fit.Cost;

    public double R2 => Fit.R2;

    private static string G(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    private string GridText =>
        $"n = [{string.Join(", ", Samples.Select(s => s.Requests).Distinct())}] × ΣKV = [{string.Join(", ", Options.KvTotals.Distinct().Order())}] " +
        $"with ΣKV/n ≤ {Options.MaxMeanLength}: {Samples.Count} points, median of {Options.Rounds}×{Options.StepsPerRound} steps each, " +
        (Options.EffectiveClock == CalibrationClock.ThreadCpu ? "timed by the decoding thread's CPU clock" : "timed by wall clock");

    /// <summary>
    /// The fit as HOCON under <c>scheduler.cost-model</c>, with how, where and how well it was measured as comments.
    /// Only kind, alpha, beta and gamma are keys, so any reader of the block understands all of it.
    /// </summary>
    public string ToHocon()
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Decode-step cost model fitted by Scheduler.Decode calibration (CalibrationRunner).");
        sb.AppendLine("# One rank's step, in seconds: alpha + beta * active requests + gamma * KV tokens held before the step.");
        sb.AppendLine($"# Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, " +
                      "TorchSharp CPU with one thread.");
        sb.AppendLine($"# Model: {Model}.");
        sb.AppendLine($"# Grid: {GridText}.");
        sb.AppendLine($"# Fit: R^2 = {R2.ToString("F4", CultureInfo.InvariantCulture)}, residual RMS = {G(Fit.ResidualRms)} s, " +
                      $"largest |residual| = {G(Fit.MaxAbsResidual)} s ({Samples.Count} samples).");
        sb.AppendLine("scheduler.cost-model {");
        sb.AppendLine("  kind = affine");
        sb.AppendLine("  # fixed seconds per step");
        sb.AppendLine($"  alpha = {G(Fit.Alpha)}");
        sb.AppendLine("  # seconds per active request");
        sb.AppendLine($"  beta = {G(Fit.Beta)}");
        sb.AppendLine("  # seconds per KV token held");
        sb.AppendLine($"  gamma = {G(Fit.Gamma)}");
        sb.AppendLine("}");
        return sb.ToString();
    }

    /// <summary>
    /// <c>alpha, beta, gamma, r2</c>, then <c>samples</c> (one object per grid point: requests, kv_tokens, seconds,
    /// fitted_seconds, residual_seconds, steps), the residual summary and the model measured.
    /// </summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("alpha", Fit.Alpha);
            json.WriteNumber("beta", Fit.Beta);
            json.WriteNumber("gamma", Fit.Gamma);
            json.WriteNumber("r2", Fit.R2);
            json.WriteStartArray("samples");
            for (var i = 0; i < Samples.Count; i++)
            {
                var s = Samples[i];
                json.WriteStartObject();
                json.WriteNumber("requests", s.Requests);
                json.WriteNumber("kv_tokens", s.KvTokens);
                json.WriteNumber("seconds", s.Seconds);
                json.WriteNumber("wall_seconds", s.WallSeconds);
                json.WriteNumber("fitted_seconds", Fit.Predict(s.Requests, s.KvTokens));
                json.WriteNumber("residual_seconds", Fit.Residuals[i]);
                json.WriteNumber("steps", s.Steps);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNumber("residual_rms_seconds", Fit.ResidualRms);
            json.WriteNumber("max_abs_residual_seconds", Fit.MaxAbsResidual);
            json.WriteStartObject("model");
            json.WriteNumber("layers", Model.Layers);
            json.WriteNumber("width", Model.Width);
            json.WriteNumber("heads", Model.Heads);
            json.WriteNumber("vocab", Model.Vocab);
            json.WriteNumber("max_positions", Model.MaxPositions);
            json.WriteEndObject();
            json.WriteString("clock", Options.EffectiveClock == CalibrationClock.ThreadCpu ? "thread-cpu" : "wall");
            json.WriteNumber("elapsed_seconds", Elapsed.TotalSeconds);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>A plain-text report: the fit, then each point measured against fitted.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"affine fit: alpha = {G(Fit.Alpha)} s, beta = {G(Fit.Beta)} s/request, gamma = {G(Fit.Gamma)} s/token");
        sb.AppendLine(CultureInfo.InvariantCulture, $"R^2 = {R2:F4}, residual RMS = {G(Fit.ResidualRms)} s, largest |residual| = {G(Fit.MaxAbsResidual)} s");
        sb.AppendLine(CultureInfo.InvariantCulture, $"grid: {GridText}; model {Model}; {Elapsed.TotalSeconds:F1} s");
        sb.AppendLine("     n     ΣKV   measured ms   fitted ms   residual   wall ms");
        for (var i = 0; i < Samples.Count; i++)
        {
            var s = Samples[i];
            var fitted = Fit.Predict(s.Requests, s.KvTokens);
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{s.Requests,6} {s.KvTokens,7:F0} {s.Seconds * 1e3,13:F3} {fitted * 1e3,11:F3} {Fit.Residuals[i] / s.Seconds,10:P1} {s.WallSeconds * 1e3,9:F3}");
        }
        return sb.ToString();
    }

}
