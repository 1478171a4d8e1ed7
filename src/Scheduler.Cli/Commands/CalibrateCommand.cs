using Scheduler.Cli.CommandLine;
using Scheduler.Cli.Output;
using Scheduler.Decode.Calibration;

namespace Scheduler.Cli.Commands;

/// <summary><c>scheduler calibrate</c>: time real decode steps over (requests, KV tokens) and fit α + β·n + γ·ΣKV.</summary>
public static class CalibrateCommand
{
    public const string Help = """
        scheduler calibrate — measure TorchSharp decode steps on this machine and fit the affine cost model

        Usage: scheduler calibrate [options]
        Times decode steps over a grid of (active requests n, total KV tokens ΣKV), fits
        step seconds = α + β·n + γ·ΣKV by least squares (coefficients kept ≥ 0), and prints the fit with R²
        and each point's residual.

          --grid NAME            default (19 points, a few seconds) or large (69 points, about 30 s)
          --clock NAME           cpu (the decoding thread's CPU time, robust to other load; default) or wall
          --out DIR              write cost-model.conf (HOCON for --cost-model and the runtime), calibration.json
                                 and calibration.png (measured vs fitted) there (default out/calibration)
          --format F             table (default) or json (alpha, beta, gamma, r2, samples, …)
          --quiet                no progress on stderr
        """;

    public static int Execute(ArgumentReader args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Flag("help")) { stdout.WriteLine(Help); return 0; }
        var options = args.Choice("grid", CalibrationOptions.Default, ("default", CalibrationOptions.Default), ("large", CalibrationOptions.Large));
        var clock = args.Choice("clock", CalibrationClock.ThreadCpu, ("cpu", CalibrationClock.ThreadCpu), ("wall", CalibrationClock.Wall));
        var outDir = args.String("out", Path.Combine("out", "calibration"));
        var format = args.Choice("format", OutputFormat.Table, ("table", OutputFormat.Table), ("json", OutputFormat.Json));
        var quiet = args.Flag("quiet");
        args.EnsureAllUsed();

        var progress = new ProgressReporter(stderr, quiet);
        var result = CalibrationRunner.Run(options with { Clock = clock },
            progress.Enabled ? new Progress<CalibrationProgress>(p => progress.Live($"calibrating: {p.Done}/{p.Total} points (n={p.Requests}, ΣKV={p.KvTokens})")) : null);
        Directory.CreateDirectory(outDir);
        var conf = Path.Combine(outDir, "cost-model.conf");
        File.WriteAllText(conf, result.ToHocon());
        File.WriteAllText(Path.Combine(outDir, "calibration.json"), result.ToJson());
        result.SavePlot(Path.Combine(outDir, "calibration.png"));
        progress.Line($"wrote {conf}, calibration.json and calibration.png; use it with --cost-model {conf}");
        stdout.Write(format == OutputFormat.Json ? result.ToJson() + Environment.NewLine : result.Describe());
        return 0;
    }
}
