using System.CommandLine;
using System.Diagnostics;
using Scheduler.Cli.CommandLine;
using Scheduler.Cli.Output;
using Scheduler.Core.Policies.Bfio;
using Scheduler.Core.Simulation;

namespace Scheduler.Cli.Commands;

/// <summary>
/// <c>scheduler gap</c>: how far bfio's fast solver is from optimal on production-sized decisions. Runs the
/// simulator with a bfio policy and, at every decision, compares the solver's objective with
/// <see cref="PlacementLowerBound"/> and, where it finishes within a node limit, with the exact optimum.
/// </summary>
public sealed class GapCommand : SchedulerCommand
{
    public const int DefaultExactNodes = 200_000;
    public const int DefaultExactMaxCandidates = 256;

    private readonly WorkloadOptions _input = new(WorkloadDefaults.Reference);
    private readonly ClusterShapeOptions _shape = new(SimulateCommand.DefaultRanks, SimulateCommand.DefaultBatch);
    private readonly PolicyOptions _policies = new("bfio", "one bfio spec, e.g. bfio:h=8");
    private readonly CostModelOption _cost = new();
    private readonly Option<int> _exactNodes = CliOption.Int("--exact-nodes", "the exact solver's node limit per decision; 0 = bound only",
        DefaultExactNodes, 0);
    private readonly Option<int> _exactMaxCandidates = CliOption.Int("--exact-max-candidates",
        "try the exact solver only on decisions with at most N candidates (its tables grow with N²)", DefaultExactMaxCandidates, 1, 4096);
    private readonly Option<Choice<OutputFormat>> _format = OutputOptions.Format(OutputFormat.Table, OutputFormat.Json, OutputFormat.Csv);
    private readonly Option<string> _calls = CliOption.Text("--calls",
        "also write one CSV row per decision (objective, bound, exact value and nodes)", helpName: "FILE");
    private readonly Option<bool> _quiet = OutputOptions.Quiet();

    public GapCommand() : base("gap", "optimality gap of bfio's placement solver against a lower bound and the exact optimum")
    {
        this.Add(_input);
        this.Add(_shape);
        this.Add(_policies);
        this.Add(_cost);
        Options.Add(_exactNodes);
        Options.Add(_exactMaxCandidates);
        Options.Add(_format);
        Options.Add(_calls);
        Options.Add(_quiet);
    }

    public override string HelpNotes => $"""
        With no options: the shipped burst fixture (data/{DataPaths.DefaultRequests}), G={SimulateCommand.DefaultRanks},
        B={SimulateCommand.DefaultBatch}, policy bfio; decisions run in the deterministic simulator.

        At every bfio decision the solver's objective z (SPEC: Σ_h w_h·(G·max L − ΣL) − Σ bonus) is compared with
          a lower bound LB (rows decoupled, admitted mass splittable within free-slot caps; PlacementLowerBound)
          and with the exact branch-and-bound optimum z* where it finishes within --exact-nodes.
        Relative gap of z to a reference r: (z − r) / max(|z|, |r|, 1); statistics are over decisions that admit
        something. "gap to bound" ≥ the true gap; "bound below optimum" is (z* − LB) / max(|z*|, |LB|, 1), the
        bound's own slack, where z* is known. Unfinished, the exact solver still returns the best placement it
        met: "gap to best found" (z − that) / … is a floor on the true gap, "gap to bound" a ceiling.
        """;

    public override int Execute(ParseResult parse, CliConsole console)
    {
        var input = _input.Read(parse);
        var shape = _shape.Read(parse);
        var specs = _policies.ReadSpecs(parse);
        var defaults = _policies.ReadDefaults(parse);
        var cost = _cost.Read(parse, shape.BatchSize);
        var exactNodes = parse.GetValue(_exactNodes);
        var exactMaxCandidates = parse.GetValue(_exactMaxCandidates);
        var format = parse.GetValue(_format).Value;
        var callsFile = parse.GetValue(_calls);

        if (specs.Count != 1) throw new UsageException("--policy takes one bfio spec for gap");
        if (PolicyOptions.CreatePolicy(specs[0], defaults) is not BfioPolicy policy)
            throw new UsageException($"--policy {specs[0].Text}: gap measures bfio's solver; give a bfio spec");

        var probe = new GapProbe(exactNodes, exactMaxCandidates);
        policy.Solved = probe.Observe;
        var progress = new ProgressReporter(console, parse.GetValue(_quiet));
        progress.Line($"input: {input.Description}: {input.Workload!.Count:N0} requests; G={shape.Ranks} B={shape.BatchSize}; " +
                      $"exact solver up to {exactNodes:N0} nodes on decisions with ≤ {exactMaxCandidates} candidates");
        var label = $"gap {policy.Name}";
        var options = new SimulationOptions(shape)
        {
            CostModel = cost,
            Arrivals = input.Arrivals,
            RecordSteps = false,
            ProgressEverySteps = 50,
            Progress = progress.Enabled
                ? s => progress.Update(label, $"step {s.Step:N0}, decisions {probe.Samples.Count:N0}", s.FinishedCount, s.RequestsAdded)
                : null,
        };
        var started = Stopwatch.GetTimestamp();
        var result = Simulator.Run(input.Workload!, policy, options);
        var report = GapReport.Of(policy.Name, probe.Samples, probe.ProbeSeconds, Stopwatch.GetElapsedTime(started).TotalSeconds);
        progress.Line($"{policy.Name}: {result.Summary.Steps:N0} steps, {report.Calls:N0} decisions, {report.WallSeconds:F1} s");
        if (callsFile is not null) GapReportWriter.WriteSamples(callsFile, probe.Samples);
        GapReportWriter.Write(console.Out, format, report);
        return 0;
    }
}
