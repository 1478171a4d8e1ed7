using System.Diagnostics;
using Scheduler.Cli.CommandLine;
using Scheduler.Cli.Output;
using Scheduler.Core.Model;
using Scheduler.Core.Policies.Bfio;
using Scheduler.Core.Simulation;

namespace Scheduler.Cli.Commands;

/// <summary>
/// <c>scheduler gap</c>: how far bfio's fast solver is from optimal on production-sized decisions. Runs the
/// simulator with a bfio policy and, at every decision, compares the solver's objective with
/// <see cref="PlacementLowerBound"/> and, where it finishes within a node limit, with the exact optimum.
/// </summary>
public static class GapCommand
{
    public const long DefaultExactNodes = 200_000;
    public const int DefaultExactMaxCandidates = 256;

    public static string Help => $"""
        scheduler gap — optimality gap of bfio's placement solver, decision by decision (deterministic simulator)

        Usage: scheduler gap [options]
        With no options: the shipped burst fixture (20,000 requests), G=32, B=72, policy bfio.

        At every bfio decision the solver's objective z (SPEC: Σ_h w_h·(G·max L − ΣL) − Σ bonus) is compared with
          a lower bound LB (rows decoupled, admitted mass splittable within free-slot caps; PlacementLowerBound)
          and with the exact branch-and-bound optimum z* where it finishes within --exact-nodes.
        Relative gap of z to a reference r: (z − r) / max(|z|, |r|, 1); statistics are over decisions that admit
        something. "gap to bound" ≥ the true gap; "bound below optimum" is (z* − LB) / max(|z*|, |LB|, 1), the
        bound's own slack, where z* is known. Unfinished, the exact solver still returns the best placement it
        met: "gap to best found" (z − that) / … is a floor on the true gap, "gap to bound" a ceiling.

        Input:
        {WorkloadOptions.Help}
        Cluster and policy:
          --ranks G              data-parallel ranks (default 32)
          --batch B              active requests per rank (default 72)
          --policy SPEC          one bfio spec, e.g. bfio:h=8 (default bfio)
          --horizon H            bfio lookahead in steps (default 16)
          --predictor NAME       output-length predictor: oracle, noisy, none, online (default oracle)
          --noise D              relative noise of the noisy predictor (default 0.2)
          --policy-seed N        seed for randomised predictors (default 1)
        {CostModelOption.Help}
        Exact solver:
          --exact-nodes N        node limit per decision; 0 = bound only (default {DefaultExactNodes:N0})
          --exact-max-candidates N  try the exact solver only on decisions with at most N candidates
                                 (its tables grow with N²; default {DefaultExactMaxCandidates})
        Output:
          --format F             table, json or csv (default table)
          --calls FILE           also write one CSV row per decision (objective, bound, exact value and nodes)
          --quiet                no progress on stderr
        """;

    public static int Execute(ArgumentReader args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Flag("help")) { stdout.WriteLine(Help); return 0; }
        var input = WorkloadOptions.Read(args, WorkloadDefaults.Reference);
        var shape = new ClusterShape(args.Int("ranks", 32, 1, 1_000_000), args.Int("batch", 72, 1, 1_000_000));
        var specs = SimulateCommand.ParsePolicies(args.String("policy", "bfio"));
        var defaults = SimulateCommand.ReadPolicyDefaults(args);
        var cost = CostModelOption.Read(args, shape.BatchSize);
        var exactNodes = args.Int("exact-nodes", (int)DefaultExactNodes, 0);
        var exactMaxCandidates = args.Int("exact-max-candidates", DefaultExactMaxCandidates, 1, 4096);
        var format = args.Choice("format", OutputFormat.Table, ("table", OutputFormat.Table), ("json", OutputFormat.Json), ("csv", OutputFormat.Csv));
        var callsFile = args.String("calls");
        var quiet = args.Flag("quiet");
        args.EnsureAllUsed();

        if (specs.Count != 1) throw new UsageException("--policy takes one bfio spec for gap");
        if (SimulateCommand.CreatePolicy(specs[0], defaults) is not BfioPolicy policy)
            throw new UsageException($"--policy {specs[0].Text}: gap measures bfio's solver; give a bfio spec");

        var probe = new GapProbe(exactNodes, exactMaxCandidates);
        policy.Solved = probe.Observe;
        var progress = new ProgressReporter(stderr, quiet);
        progress.Line($"input: {input.Description}: {input.Workload!.Count:N0} requests; G={shape.Ranks} B={shape.BatchSize}; " +
                      $"exact solver up to {exactNodes:N0} nodes on decisions with ≤ {exactMaxCandidates} candidates");
        var options = new SimulationOptions(shape)
        {
            CostModel = cost,
            Arrivals = input.Arrivals,
            RecordSteps = false,
            ProgressEverySteps = 50,
            Progress = progress.Enabled ? s => progress.Live($"{policy.Name}: step {s.Step:N0}, decisions {probe.Samples.Count:N0}, finished {s.FinishedCount:N0}/{s.RequestsAdded:N0}") : null,
        };
        var started = Stopwatch.GetTimestamp();
        var result = Simulator.Run(input.Workload!, policy, options);
        var report = GapReport.Of(policy.Name, probe.Samples, probe.ProbeSeconds, Stopwatch.GetElapsedTime(started).TotalSeconds);
        progress.Line($"{policy.Name}: {result.Summary.Steps:N0} steps, {report.Calls:N0} decisions, {report.WallSeconds:F1} s");
        if (callsFile is not null) GapReportWriter.WriteSamples(callsFile, probe.Samples);
        GapReportWriter.Write(stdout, format, report);
        return 0;
    }
}
