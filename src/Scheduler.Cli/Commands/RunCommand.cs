using System.CommandLine;
using Scheduler.Cli.CommandLine;
using Scheduler.Cli.Output;
using Scheduler.Core.Model;
using Scheduler.Core.Simulation;
using Scheduler.Decode;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Messages;

namespace Scheduler.Cli.Commands;

/// <summary>
/// <c>scheduler run</c>: the product's shape — an Akka.Streams ingestion graph into the balancer actor, which
/// places requests on sharded rank actors stepped by the barrier actor, on an embedded single-node cluster.
/// </summary>
public sealed class RunCommand : SchedulerCommand
{
    public const string DefaultPolicies = "fcfs,bfio-ref,bfio";
    public const string DefaultTrace = DataPaths.AzureConversationTrace;
    public const int DefaultRanks = 8;
    public const int DefaultBatch = 32;
    public const int DefaultCount = 4000;
    public const double DefaultRateScale = 100;

    private readonly WorkloadOptions _input = new(new WorkloadDefaults(DefaultTrace, DefaultCount, ArrivalMode.Trace, DefaultRateScale), streamRequestFile: true, offeredLoad: true);
    private readonly ClusterShapeOptions _shape = new(DefaultRanks, DefaultBatch, maxRanks: 100_000, ranksNote: ", one sharded rank actor each");
    private readonly PolicyOptions _policies = new(DefaultPolicies, "comma-separated policies, each run on its own actor system");
    private readonly Option<Choice<string>> _engine = CliOption.Choice("--engine",
        "cost-model (virtual time from the cost model) or torch (real TorchSharp decode: each rank's step time is its measured " +
        "CPU time, the barrier takes the max)",
        "cost-model", ("cost-model", "cost-model"), ("torch", "torch"));
    private readonly Option<bool> _plainBaseline = CliOption.Flag("--plain-baseline",
        "torch engine: replay the same decode steps in a plain loop without actors and print the actor run's wall time " +
        "against it (the runtime's overhead)");
    private readonly Option<Choice<PrefillMode>> _prefill = CliOption.Choice("--prefill",
        "torch engine: synthetic (the KV cache arrives filled, as from a prefill tier) or compute (run the prompt through " +
        "the model at admission)",
        "synthetic", ("synthetic", PrefillMode.Synthetic), ("compute", PrefillMode.Compute));
    private readonly CostModelOption _cost = new(configOverridesDefault: true);
    private readonly Option<Choice<BindingMode>> _binding = BindingOption.Create();
    private readonly ConfigFileOption _config = new();
    private readonly Option<Choice<OutputFormat>> _format = OutputOptions.Format(OutputFormat.Table, OutputFormat.Json, OutputFormat.Csv);
    private readonly Option<string> _out = CliOption.Text("--out",
        "per-step, per-admission and per-request CSV files per policy (the same files and columns as simulate's)", helpName: "DIR");
    private readonly Option<string> _results = CliOption.Text("--results",
        "one result per request as it completes: JSON lines (CSV for .csv), the service's format; the policy name is added when several run", helpName: "FILE");
    private readonly Option<bool> _quiet = OutputOptions.Quiet();

    public RunCommand() : base("run",
        "replay a finite input through the actor runtime (Akka.Streams → balancer → sharded ranks → barrier) in virtual time, step for step as the simulator; several policies side by side")
    {
        this.Add(_input);
        this.Add(_shape);
        this.Add(_policies);
        Options.Add(_binding);
        Options.Add(_engine);
        Options.Add(_plainBaseline);
        Options.Add(_prefill);
        this.Add(_cost);
        this.Add(_config);
        Options.Add(_format);
        Options.Add(_out);
        Options.Add(_results);
        Options.Add(_quiet);
    }

    public override string HelpNotes => $"""
        With no options: {DefaultCount:N0} requests sampled from the shipped Azure conversation trace (data/{DefaultTrace})
        replayed at their timestamps (virtual time, rate ×{DefaultRateScale}), on an embedded single-node cluster of
        {DefaultRanks} ranks of batch {DefaultBatch}, policies {DefaultPolicies} one after the other, summary side by side.
        The summary has the same keys as simulate's. With --binding arrival each policy runs as its native router (see
        simulate --help; without --policy, all of them).
        """;

    public override int Execute(ParseResult parse, CliConsole console)
    {
        var input = _input.Read(parse);
        var shape = _shape.Read(parse);
        var binding = parse.GetValue(_binding).Value;
        var specs = parse.GetResult(_policies.Policies) is { Implicit: false }
            ? _policies.ReadSpecs(parse)
            : PolicyOptions.ParsePolicies(BindingOption.DefaultPolicies(binding, DefaultPolicies));
        var engine = parse.GetValue(_engine).Value;
        var prefill = parse.GetValue(_prefill).Value;
        var config = _config.Read(parse);
        var defaults = _policies.ReadDefaults(parse, config is null ? null : RuntimeConfig.Load(config));
        var cost = _cost.Read(parse, shape.BatchSize, config);
        if (input.Load is not null && input.Workload is null)
            throw new UsageException("--load needs the input read whole to compute its rate (--trace, or --requests with --count)");
        input = input.AtOfferedLoad(shape, cost);
        var plainBaseline = parse.GetValue(_plainBaseline);
        var format = parse.GetValue(_format).Value;
        var outDir = parse.GetValue(_out);
        var resultsPath = parse.GetValue(_results);
        var stderr = console.Error;
        if (resultsPath is not null)
        {
            try { Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(resultsPath))!); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"--results {resultsPath}: {e.Message}"); }
        }
        if (plainBaseline && (engine != "torch" || input.Workload is null))
            throw new UsageException("--plain-baseline needs --engine torch and an input read whole (--trace, or --requests with --count)");

        BindingOption.Check(specs, defaults, binding);
        var progress = new ProgressReporter(console, parse.GetValue(_quiet));
        progress.Line($"input: {input.Description}: {(input.Workload is { } w ? $"{w.Count:N0} requests" : "streamed")}; G={shape.Ranks} B={shape.BatchSize}; " +
            $"arrivals {input.Arrivals.ToString().ToLowerInvariant()}; binding {binding.ToString().ToLowerInvariant()}; engine {engine}");
        var summaries = new List<RunSummary>(specs.Count);
        foreach (var spec in specs)
        {
            var request = new RuntimeRunRequest
            {
                Input = input.StreamedFile is { } file ? new RequestInput.FromFile(file) : RequestInput.Of(input.Workload!),
                RateScale = input.StreamedFile is null ? 1.0 : input.RateScale,
                Shape = shape,
                Policy = binding == BindingMode.Pool ? PolicyOptions.CreatePolicy(spec, defaults) : null,
                Router = binding == BindingMode.Arrival ? BindingOption.CreateRouter(spec, defaults) : null,
                Arrivals = input.Arrivals,
                CostModel = cost,
                Engine = engine,
                EngineFactory = engine == "torch" ? EngineFactories.Torch(prefill) : null,
                // Results stream to the file as requests complete; --out adds the step and admission files.
                ConfigPath = config,
                ResultsPath = resultsPath is null ? null : specs.Count == 1 ? resultsPath : WithPolicySuffix(resultsPath, spec.Text),
            };
            var label = $"run {spec.Text}";
            long? total = input.Workload?.Count;
            var live = progress.Enabled
                ? new DirectProgress<RuntimeProgress>(p => progress.Update(label, $"step {p.Step:N0}, admitted {p.Admitted:N0}", p.Finished, total))
                : null;
            RuntimeRunResult result;
            using var claim = console.Interrupt.Claim();
            try
            {
                result = RuntimeRunner.RunAsync(request, live, console.Interrupt.Token).GetAwaiter().GetResult();
            }
            catch (RuntimeRunException e)
            {
                Rejections(stderr, e.DeadLetters);
                stderr.WriteLine($"error: {spec.Text}: {e.Message}");
                return e.NoValidInput ? 2 : 1;
            }
            catch (OperationCanceledException) when (console.Interrupt.Token.IsCancellationRequested)
            {
                // The results file holds whole lines: the writer flushed what it had before the actor system stopped.
                stderr.WriteLine($"{spec.Text}: interrupted by {console.Interrupt.Received?.ToString() ?? "a signal"}; " +
                                 (request.ResultsPath is { } written ? $"results so far are in {written}" : "no results were asked for"));
                return 130;
            }
            progress.Line($"{spec.Text}: {result.Summary.Steps:N0} steps, startup {result.Timings.StartupSeconds:F2} s, run {result.Timings.RunSeconds:F2} s"
                + (result.DeadLetters.Count > 0 ? $", {result.DeadLetters.Count} malformed records rejected" : "")
                + (result.StepTimeouts > 0 ? $", {result.StepTimeouts} step timeouts" : ""));
            Rejections(stderr, result.DeadLetters);
            if (outDir is not null)
            {
                RunFiles.Write(outDir, spec.Text, result.Steps, result.Admissions);
                RunFiles.WriteRequests(Path.Combine(outDir, $"{RunFiles.FileSafe(spec.Text)}.requests.csv"), result.FinalState);
            }
            if (plainBaseline)
            {
                var plain = Engines.PlainTorchReplay.Run(input.Workload!, result.Admissions, shape.Ranks, TorchDecodeOptions.Default with { Prefill = prefill });
                progress.Line($"{spec.Text}: actor run {result.Timings.RunSeconds:F2} s vs plain loop {plain.WallSeconds:F2} s over the same {plain.Steps:N0} steps " +
                              $"({plain.Tokens:N0} tokens): overhead ratio {result.Timings.RunSeconds / plain.WallSeconds:F3}");
            }
            summaries.Add(result.Summary);
        }
        SummaryWriter.Write(console.Out, format, summaries);
        return 0;
    }

    /// <summary>The first rejected records with their position and reason, then how many there were in all.</summary>
    private static void Rejections(TextWriter stderr, IReadOnlyList<Scheduler.Runtime.Ingestion.DeadLetter> rejected)
    {
        const int shown = 10;
        foreach (var dead in rejected.Take(shown)) stderr.WriteLine($"rejected: {dead}");
        if (rejected.Count > shown) stderr.WriteLine($"rejected: … and {rejected.Count - shown:N0} more ({rejected.Count:N0} in all)");
    }

    private static string WithPolicySuffix(string path, string policy)
    {
        var ext = Path.GetExtension(path);
        return Path.Combine(Path.GetDirectoryName(path) ?? "", $"{Path.GetFileNameWithoutExtension(path)}.{RunFiles.FileSafe(policy)}{ext}");
    }
}
