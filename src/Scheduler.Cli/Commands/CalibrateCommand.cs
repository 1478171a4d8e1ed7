using System.CommandLine;
using Scheduler.Cli.CommandLine;
using Scheduler.Cli.Output;
using Scheduler.Decode.Calibration;

namespace Scheduler.Cli.Commands;

/// <summary><c>scheduler calibrate</c>: time real decode steps over (requests, KV tokens) and fit α + β·n + γ·ΣKV.</summary>
public sealed class CalibrateCommand : SchedulerCommand
{
    private readonly Option<Choice<CalibrationOptions>> _grid = CliOption.Choice("--grid",
        "default (19 points, a few seconds) or large (69 points, about 30 s)",
        "default", ("default", CalibrationOptions.Default), ("large", CalibrationOptions.Large));
    private readonly Option<Choice<CalibrationClock>> _clock = CliOption.Choice("--clock",
        "cpu (the decoding thread's CPU time, robust to other load) or wall",
        "cpu", ("cpu", CalibrationClock.ThreadCpu), ("wall", CalibrationClock.Wall));
    private readonly Option<string> _out = CliOption.Text("--out",
        "write cost-model.conf (HOCON for --cost-model and the runtime), calibration.json and calibration.png (measured vs fitted) there",
        Path.Combine("out", "calibration"), helpName: "DIR");
    private readonly Option<Choice<OutputFormat>> _format = OutputOptions.Format(OutputFormat.Table, OutputFormat.Json);
    private readonly Option<bool> _quiet = OutputOptions.Quiet();

    public CalibrateCommand() : base("calibrate", "time real TorchSharp decode steps and fit the affine step-cost model (HOCON, JSON, PNG)")
    {
        Options.Add(_grid);
        Options.Add(_clock);
        Options.Add(_out);
        Options.Add(_format);
        Options.Add(_quiet);
    }

    public override string HelpNotes => """
        Times decode steps on this machine over a grid of (active requests n, total KV tokens ΣKV), fits
        step seconds = α + β·n + γ·ΣKV by least squares (coefficients kept ≥ 0), and prints the fit with R²
        and each point's residual (--format json: alpha, beta, gamma, r2, samples, …).
        """;

    public override int Execute(ParseResult parse, CliConsole console)
    {
        var options = parse.GetValue(_grid).Value;
        var clock = parse.GetValue(_clock).Value;
        var outDir = parse.GetValue(_out)!;
        var format = parse.GetValue(_format).Value;

        var progress = new ProgressReporter(console, parse.GetValue(_quiet));
        var result = CalibrationRunner.Run(options with { Clock = clock },
            progress.Enabled
                ? new DirectProgress<CalibrationProgress>(p => progress.Update("calibrate", $"n={p.Requests}, ΣKV={p.KvTokens}", p.Done, p.Total, "points"))
                : null);
        Directory.CreateDirectory(outDir);
        var conf = Path.Combine(outDir, "cost-model.conf");
        File.WriteAllText(conf, result.ToHocon());
        File.WriteAllText(Path.Combine(outDir, "calibration.json"), result.ToJson());
        Plots.CalibrationPlot.Save(result, Path.Combine(outDir, "calibration.png"));
        progress.Line($"wrote {conf}, calibration.json and calibration.png; use it with --cost-model {conf}");
        console.Out.Write(format == OutputFormat.Json ? result.ToJson() + Environment.NewLine : result.Describe());
        return 0;
    }
}
