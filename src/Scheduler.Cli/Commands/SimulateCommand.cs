using Scheduler.Cli.CommandLine;
using Scheduler.Cli.Output;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;
using Scheduler.Core.Simulation;

namespace Scheduler.Cli.Commands;

/// <summary><c>scheduler simulate</c>: runs each policy on the same input with the step simulator.</summary>
public static class SimulateCommand
{
    public const string DefaultPolicies = "fcfs,jsq,round-robin,bfio-ref,bfio";

    public static string Help => $"""
        scheduler simulate — place requests on G ranks with each policy and compare (deterministic simulator)

        Usage: scheduler simulate [options]
        With no options: the shipped burst fixture (20,000 requests), G=32, B=72, policies {DefaultPolicies}.

        Input:
        {WorkloadOptions.Help}
        Cluster and policies:
          --ranks G              data-parallel ranks (default 32)
          --batch B              active requests per rank (default 72)
          --policy LIST          comma-separated policies, each run on the same input (default {DefaultPolicies});
                                 parameters after ':' separated by ';', e.g. bfio-ref:h=0
          --horizon H            BF-IO lookahead in steps (bfio-ref default 72, 0 = the paper's H=0 variant; bfio default 16)
          --predictor NAME       bfio's output-length predictor: oracle, noisy, none, online (default oracle)
          --noise D              relative noise δ of the noisy predictor: o·U[1−δ, 1+δ] (default 0.2)
          --stale S              production baselines read load snapshots S simulated seconds old (default 0)
          --policy-seed N        seed for randomised policies (default 1)
        {CostModelOption.Help}
        Output:
          --format F             table, json or csv (default table)
          --out DIR              also write per-step, per-admission and per-request CSV files per policy
          --quiet                no progress on stderr
          --warmup N             run each policy N times first and discard those runs, so decision times
                                 exclude just-in-time compilation (as in a long-running server) (default 0)

        Policies:
        {string.Join(Environment.NewLine, PolicyCatalog.Describe().Select(d => $"  {d.Name,-18} {d.Summary}"))}
        """;

    public static int Execute(ArgumentReader args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Flag("help")) { stdout.WriteLine(Help); return 0; }
        var input = WorkloadOptions.Read(args, WorkloadDefaults.Reference);
        var shape = new ClusterShape(args.Int("ranks", 32, 1, 1_000_000), args.Int("batch", 72, 1, 1_000_000));
        var specs = ParsePolicies(args.String("policy", DefaultPolicies));
        var defaults = ReadPolicyDefaults(args);
        var cost = CostModelOption.Read(args, shape.BatchSize);
        var format = args.Choice("format", OutputFormat.Table, ("table", OutputFormat.Table), ("json", OutputFormat.Json), ("csv", OutputFormat.Csv));
        var outDir = args.String("out");
        var quiet = args.Flag("quiet");
        var warmup = args.Int("warmup", 0, 0, 100);
        args.EnsureAllUsed();

        var policies = specs.Select(s => CreatePolicy(s, defaults)).ToList();
        var progress = new ProgressReporter(stderr, quiet);
        progress.Line($"input: {input.Description}: {input.Workload!.Count:N0} requests; G={shape.Ranks} B={shape.BatchSize}; arrivals {input.Arrivals.ToString().ToLowerInvariant()}");
        var summaries = new List<RunSummary>(policies.Count);
        for (var p = 0; p < policies.Count; p++)
        {
            var policy = policies[p];
            for (var w = 0; w < warmup; w++)
            {
                progress.Live($"{policy.Name}: warm-up run {w + 1}/{warmup}");
                Simulator.Run(input.Workload!, CreatePolicy(specs[p], defaults), new SimulationOptions(shape) { CostModel = cost, Arrivals = input.Arrivals, RecordSteps = false });
            }
            if (warmup > 0) progress.Line($"{policy.Name}: {warmup} warm-up run(s) discarded");
            var options = new SimulationOptions(shape)
            {
                CostModel = cost,
                Arrivals = input.Arrivals,
                RecordSteps = true,
                Progress = progress.Enabled ? s => progress.Live($"{policy.Name}: step {s.Step:N0}, finished {s.FinishedCount:N0}/{s.RequestsAdded:N0}") : null,
            };
            var result = Simulator.Run(input.Workload!, policy, options);
            progress.Line($"{policy.Name}: {result.Summary.Steps:N0} steps, {result.Summary.WallSeconds:F3} s");
            if (outDir is not null) RunFiles.Write(outDir, result);
            summaries.Add(result.Summary);
        }
        SummaryWriter.Write(stdout, format, summaries);
        return 0;
    }

    /// <summary>The run-wide policy options shared by simulate and run.</summary>
    public static PolicyDefaults ReadPolicyDefaults(ArgumentReader args)
    {
        var horizon = args.OptionalInt("horizon", min: 0);
        var predictor = args.Choice("predictor", "oracle", PredictorCatalog.Names.Select(n => (n, n)).ToArray());
        var fallback = new PolicyDefaults();
        return new PolicyDefaults
        {
            Horizon = horizon ?? ReferenceConstants.BfioDefaultHorizon,
            BfioHorizon = horizon ?? fallback.BfioHorizon,
            Predictor = predictor,
            Noise = args.Double("noise", fallback.Noise, 0.0),
            StaleSeconds = args.Double("stale", 0.0, 0.0),
            Seed = args.Int("policy-seed", 1),
        };
    }

    public static IReadOnlyList<PolicySpec> ParsePolicies(string list)
    {
        try
        {
            var specs = PolicySpec.ParseList(list);
            if (specs.Count == 0) throw new UsageException("--policy needs at least one policy");
            return specs;
        }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }

    public static IPlacementPolicy CreatePolicy(PolicySpec spec, PolicyDefaults defaults)
    {
        try { return PolicyCatalog.Create(spec, defaults); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }
}
