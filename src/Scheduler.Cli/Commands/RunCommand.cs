using Scheduler.Cli.CommandLine;
using Scheduler.Cli.Output;
using Scheduler.Core.CostModels;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Decode;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Messages;

namespace Scheduler.Cli.Commands;

/// <summary>
/// <c>scheduler run</c>: the product's shape — an Akka.Streams ingestion graph into the balancer actor, which
/// places requests on sharded rank actors stepped by the barrier actor, on an embedded single-node cluster.
/// </summary>
public static class RunCommand
{
    public const string DefaultPolicies = "fcfs,bfio-ref,bfio";
    public const string DefaultTrace = DataPaths.AzureConversationTrace;
    public const int DefaultRanks = 8;
    public const int DefaultBatch = 32;
    public const int DefaultCount = 4000;

    public static string Help => $"""
        scheduler run — serve requests with the actor runtime: stream ingestion → balancer → sharded ranks, barrier-stepped

        Usage: scheduler run [options]
        With no options: {DefaultCount:N0} requests sampled from the shipped Azure conversation trace replayed at their
        timestamps (virtual time, rate ×{DefaultRateScale}), on an embedded single-node cluster of {DefaultRanks} ranks of batch
        {DefaultBatch}, policies {DefaultPolicies} one after the other, summary side by side.

        Input (a --requests file is streamed: each record is validated in the ingestion graph, a malformed one is
        rejected with its line and reason and the run goes on):
        {WorkloadOptions.Help}
        Cluster, engine and policies:
          --ranks G              data-parallel ranks, one sharded rank actor each (default {DefaultRanks})
          --batch B              active requests per rank (default {DefaultBatch})
          --policy LIST          comma-separated policies, each run on its own actor system (default {DefaultPolicies})
          --horizon H            BF-IO lookahead in steps (bfio-ref default 72; bfio default 16)
          --predictor NAME       bfio's output-length predictor: oracle, noisy, none, online (default oracle)
          --noise D              relative noise δ of the noisy predictor (default 0.2)
          --stale S              production baselines read load snapshots S simulated seconds old (default 0)
          --policy-seed N        seed for randomised policies (default 1)
          --engine NAME          cost-model (virtual time from the cost model; default) or torch (real TorchSharp decode:
                                 each rank's step time is its measured CPU time, the barrier takes the max)
          --plain-baseline       torch engine: replay the same decode steps in a plain loop without actors and print
                                 the actor run's wall time against it (the runtime's overhead)
          --prefill MODE         torch engine: synthetic (the KV cache arrives filled, as from a prefill tier;
                                 default) or compute (run the prompt through the model at admission)
        {CostModelOption.Help}          --config FILE          HOCON overriding config/scheduler.conf (every key documented there)

        Output:
          --format F             table, json or csv (default table), same keys as simulate
          --out DIR              per-step, per-admission and per-request CSV files per policy
          --results FILE         completed requests as CSV (or JSON lines for .jsonl); the policy name is added when several run
          --quiet                no progress on stderr
        """;

    public const double DefaultRateScale = 100;

    public static int Execute(ArgumentReader args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Flag("help")) { stdout.WriteLine(Help); return 0; }
        var input = WorkloadOptions.Read(args, new WorkloadDefaults(DefaultTrace, DefaultCount, ArrivalMode.Trace, DefaultRateScale), streamRequestFile: true);
        var shape = new ClusterShape(args.Int("ranks", DefaultRanks, 1, 100_000), args.Int("batch", DefaultBatch, 1, 1_000_000));
        var specs = SimulateCommand.ParsePolicies(args.String("policy", DefaultPolicies));
        var defaults = SimulateCommand.ReadPolicyDefaults(args);
        var engine = args.Choice("engine", "cost-model", ("cost-model", "cost-model"), ("torch", "torch"));
        var prefill = args.Choice("prefill", PrefillMode.Synthetic, ("synthetic", PrefillMode.Synthetic), ("compute", PrefillMode.Compute));
        var config = args.String("config");
        var cost = CostModelOption.Read(args, shape.BatchSize, config);
        var plainBaseline = args.Flag("plain-baseline");
        var format = args.Choice("format", OutputFormat.Table, ("table", OutputFormat.Table), ("json", OutputFormat.Json), ("csv", OutputFormat.Csv));
        var outDir = args.String("out");
        var resultsPath = args.String("results");
        var quiet = args.Flag("quiet");
        args.EnsureAllUsed();
        if (config is not null && !File.Exists(config)) throw new UsageException($"--config {config}: no such file");
        if (resultsPath is not null)
        {
            try { Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(resultsPath))!); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"--results {resultsPath}: {e.Message}"); }
        }
        if (plainBaseline && (engine != "torch" || input.Workload is null))
            throw new UsageException("--plain-baseline needs --engine torch and an input read whole (--trace, or --requests with --count)");

        var progress = new ProgressReporter(stderr, quiet);
        progress.Line($"input: {input.Description}: {(input.Workload is { } w ? $"{w.Count:N0} requests" : "streamed")}; G={shape.Ranks} B={shape.BatchSize}; arrivals {input.Arrivals.ToString().ToLowerInvariant()}; engine {engine}");
        var summaries = new List<RunSummary>(specs.Count);
        foreach (var spec in specs)
        {
            var policy = SimulateCommand.CreatePolicy(spec, defaults);
            var request = new RuntimeRunRequest
            {
                Input = input.StreamedFile is { } file ? new RequestInput.FromFile(file) : RequestInput.Of(input.Workload!),
                RateScale = input.StreamedFile is null ? 1.0 : input.RateScale,
                Shape = shape,
                Policy = policy,
                Arrivals = input.Arrivals,
                CostModel = cost,
                Engine = engine,
                EngineFactory = engine == "torch" ? EngineFactories.Torch(prefill) : null,
                // Results stream to the file as requests complete; --out adds the step and admission files.
                ConfigPath = config,
                ResultsPath = resultsPath is null ? null : specs.Count == 1 ? resultsPath : WithPolicySuffix(resultsPath, spec.Text),
            };
            var live = progress.Enabled ? new Progress<RuntimeProgress>(p => progress.Live($"{spec.Text}: step {p.Step:N0}, admitted {p.Admitted:N0}, finished {p.Finished:N0}")) : null;
            RuntimeRunResult result;
            try
            {
                result = RuntimeRunner.RunAsync(request, live).GetAwaiter().GetResult();
            }
            catch (RuntimeRunException e)
            {
                stderr.WriteLine($"error: {spec.Text}: {e.Message}");
                return 1;
            }
            progress.Line($"{spec.Text}: {result.Summary.Steps:N0} steps, startup {result.Timings.StartupSeconds:F2} s, run {result.Timings.RunSeconds:F2} s"
                + (result.DeadLetters.Count > 0 ? $", {result.DeadLetters.Count} malformed records rejected" : "")
                + (result.StepTimeouts > 0 ? $", {result.StepTimeouts} step timeouts" : ""));
            foreach (var dead in result.DeadLetters.Take(10)) stderr.WriteLine($"rejected: {dead}");
            if (outDir is not null) RunFiles.Write(outDir, spec.Text, result.Steps, result.Admissions);
            if (plainBaseline)
            {
                var plain = Engines.PlainTorchReplay.Run(input.Workload!, result.Admissions, shape.Ranks, TorchDecodeOptions.Default with { Prefill = prefill });
                progress.Line($"{spec.Text}: actor run {result.Timings.RunSeconds:F2} s vs plain loop {plain.WallSeconds:F2} s over the same {plain.Steps:N0} steps " +
                              $"({plain.Tokens:N0} tokens): overhead ratio {result.Timings.RunSeconds / plain.WallSeconds:F3}");
            }
            summaries.Add(result.Summary);
        }
        SummaryWriter.Write(stdout, format, summaries);
        return 0;
    }

    private static string WithPolicySuffix(string path, string policy)
    {
        var ext = Path.GetExtension(path);
        return Path.Combine(Path.GetDirectoryName(path) ?? "", $"{Path.GetFileNameWithoutExtension(path)}.{RunFiles.FileSafe(policy)}{ext}");
    }
}
