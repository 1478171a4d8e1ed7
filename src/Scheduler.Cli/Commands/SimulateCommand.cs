using System.CommandLine;
using Scheduler.Cli.CommandLine;
using Scheduler.Cli.Output;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Routing;
using Scheduler.Core.Simulation;

namespace Scheduler.Cli.Commands;

/// <summary><c>scheduler simulate</c>: runs each policy on the same input with the step simulator.</summary>
public sealed class SimulateCommand : SchedulerCommand
{
    public const string DefaultPolicies = "fcfs,jsq,round-robin,bfio-ref,bfio";
    public const int DefaultRanks = 32;
    public const int DefaultBatch = 72;

    private readonly WorkloadOptions _input = new(WorkloadDefaults.Reference, offeredLoad: true);
    private readonly ClusterShapeOptions _shape = new(DefaultRanks, DefaultBatch);
    private readonly PolicyOptions _policies = new(DefaultPolicies,
        "comma-separated policies, each run on the same input; parameters after ':' separated by ';', e.g. bfio-ref:h=0");
    private readonly CostModelOption _cost = new();
    private readonly Option<Choice<BindingMode>> _binding = BindingOption.Create();
    private readonly Option<Choice<OutputFormat>> _format = OutputOptions.Format(OutputFormat.Table, OutputFormat.Json, OutputFormat.Csv);
    private readonly Option<string> _out = CliOption.Text("--out", "also write per-step, per-admission and per-request CSV files per policy", helpName: "DIR");
    private readonly Option<bool> _quiet = OutputOptions.Quiet();
    private readonly Option<int> _warmup = CliOption.Int("--warmup",
        "run each policy N times on the input first and discard those runs, as in a long-running server (every policy is compiled by a small made-up run before its first decision either way)",
        0, 0, 100);

    public SimulateCommand() : base("simulate", "compare placement policies with the deterministic step simulator")
    {
        this.Add(_input);
        this.Add(_shape);
        this.Add(_policies);
        this.Add(_cost);
        Options.Add(_binding);
        Options.Add(_format);
        Options.Add(_out);
        Options.Add(_quiet);
        Options.Add(_warmup);
    }

    public override string HelpNotes => $"""
        With no options: the shipped burst fixture (data/{DataPaths.DefaultRequests}), G={DefaultRanks}, B={DefaultBatch},
        policies {DefaultPolicies}.

        Policies:
        {string.Join(Environment.NewLine, PolicyCatalog.Describe().Select(d => $"  {d.Name,-18} {d.Summary}"))}

        With --binding arrival each policy runs in its native arrival form (without --policy: all of them); --stale
        above 0 replaces each router's native snapshot lag:
        {string.Join(Environment.NewLine, ArrivalRouterCatalog.Describe().Select(d => $"  {d.Name,-18} {d.Summary}"))}
        """;

    public override int Execute(ParseResult parse, CliConsole console)
    {
        var shape = _shape.Read(parse);
        var cost = _cost.Read(parse, shape.BatchSize);
        var input = _input.Read(parse).AtOfferedLoad(shape, cost);
        var binding = parse.GetValue(_binding).Value;
        var specs = parse.GetResult(_policies.Policies) is { Implicit: false }
            ? _policies.ReadSpecs(parse)
            : PolicyOptions.ParsePolicies(BindingOption.DefaultPolicies(binding, DefaultPolicies));
        var defaults = _policies.ReadDefaults(parse);
        var format = parse.GetValue(_format).Value;
        var outDir = parse.GetValue(_out);
        var warmup = parse.GetValue(_warmup);

        BindingOption.Check(specs, defaults, binding);
        var progress = new ProgressReporter(console, parse.GetValue(_quiet));
        progress.Line($"input: {input.Description}: {input.Workload!.Count:N0} requests; G={shape.Ranks} B={shape.BatchSize}; " +
            $"arrivals {input.Arrivals.ToString().ToLowerInvariant()}; binding {binding.ToString().ToLowerInvariant()}");
        var summaries = new List<RunSummary>(specs.Count);
        for (var p = 0; p < specs.Count; p++)
        {
            var name = specs[p].Text;
            var label = $"simulate {name}";
            for (var w = 0; w < warmup; w++)
            {
                progress.Status($"{label}: warm-up run {w + 1}/{warmup}");
                Simulator.Run(input.Workload!, specs[p], defaults,
                    new SimulationOptions(shape) { CostModel = cost, Arrivals = input.Arrivals, Binding = binding, RecordSteps = false });
            }
            if (warmup > 0) progress.Line($"{name}: {warmup} warm-up run(s) discarded");
            var options = new SimulationOptions(shape)
            {
                CostModel = cost,
                Arrivals = input.Arrivals,
                Binding = binding,
                RecordSteps = true,
                Progress = progress.Enabled ? s => progress.Update(label, $"step {s.Step:N0}", s.FinishedCount, s.RequestsAdded) : null,
            };
            var result = Simulator.Run(input.Workload!, specs[p], defaults, options);
            progress.Line($"{name}: {result.Summary.Steps:N0} steps, {result.Summary.WallSeconds:F3} s");
            if (outDir is not null) RunFiles.Write(outDir, result);
            summaries.Add(result.Summary);
        }
        SummaryWriter.Write(console.Out, format, summaries);
        return 0;
    }
}
