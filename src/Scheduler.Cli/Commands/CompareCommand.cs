using System.CommandLine;
using System.Globalization;
using System.Text;
using Scheduler.Cli.CommandLine;
using Scheduler.Cli.Output;
using Scheduler.Cli.Plots;
using Scheduler.Core.Comparisons;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Core.Traces;
using Scheduler.Core.Workloads;

namespace Scheduler.Cli.Commands;

/// <summary>
/// <c>scheduler compare</c>: every policy on a matrix of workload shapes × G × B × seeds, backlogged and with timed
/// arrivals at fractions of the cluster's capacity; each figure relative to the best policy of its cell, as CSV,
/// a table and heat maps, and where bfio does not win, which figure and against whom.
/// </summary>
public sealed class CompareCommand : SchedulerCommand
{
    public const string DefaultPolicies =
        "fcfs,jsq,round-robin,vllm,sglang-requests,sglang-tokens,trtllm,p2c,random,bfio-ref,bfio-ref:h=0,bfio,bfio:predictor=online";

    /// <summary>The policies that never read an output length (or its prediction): what predictor-free bfio must beat.</summary>
    /// <summary>The --traces name of the shipped Azure conversation trace.</summary>
    public const string AzureTrace = "azure";

    /// <summary>bfio with the online output-length predictor instead of the oracle.</summary>
    public const string OnlineBfio = "bfio:predictor=online";

    /// <summary>bfio with the running-oracle analysis predictor: the online one told when running requests leave.</summary>
    public const string RunningOracleBfio = "bfio:predictor=running-oracle";

    public static readonly IReadOnlySet<string> LengthFree = new HashSet<string>(
        ["fcfs", "jsq", "round-robin", "vllm", "sglang-requests", "sglang-tokens", "trtllm", "p2c", "random"]);

    private readonly Option<string> _shapes = CliOption.Text("--shapes", "comma-separated workload shapes", string.Join(",", ShapeCatalog.Names),
        helpName: "LIST", check: list => { foreach (var name in SplitList(list)) ShapeOrError(name); });
    private readonly Option<ValueList<int>> _ranks = CliOption.IntList("--ranks", "G values", "8,32,128", 1);
    private readonly Option<ValueList<int>> _batches = CliOption.IntList("--batch", "B values", "16,72", 1);
    private readonly Option<ValueList<int>> _seeds = CliOption.IntList("--seeds", "generator seeds", "1,2", 0);
    private readonly Option<ValueList<double>> _loads = CliOption.DoubleList("--loads",
        "timed-arrival loads: arrival rate as a multiple of the cell's capacity (fcfs's backlogged completion rate, as --load in simulate)", "0.8,1.2", 0.0);
    private readonly Option<int> _perSlot = CliOption.Int("--requests-per-slot", "requests per cell = N·G·B (enough to fill every slot N times)", 8, 1);
    private readonly Option<string> _policies = PolicyOptions.PolicyList(DefaultPolicies, "comma-separated policies, all run on every cell");
    private readonly Option<string> _traces = CliOption.Text("--traces",
        $"comma-separated traces run as rows beside the shapes, N·G·B requests sampled from each with its recorded gaps rescaled to each load: " +
        $"{AzureTrace} (the shipped Azure conversation trace, data/{DataPaths.AzureConversationTrace}) or a trace file; none by default", helpName: "LIST");
    private readonly Option<string> _binding = BindingOption.CreateList();
    private readonly Option<string?> _report = new("--report")
    {
        Description = "also write issue 13's arrival report: a markdown page (every router's figures per source and load, bfio's router " +
                      "against each production router, the goal verdicts, bfio pool against arrival) with PNGs in a folder of the same name",
        HelpName = "FILE.md",
    };
    private readonly Option<string> _out = CliOption.Text("--out", "compare.csv, verdicts.csv and heat maps (PNG)", Path.Combine("out", "compare"), helpName: "DIR");
    private readonly Option<int> _parallel = CliOption.Int("--parallel", "simulations run at once; the default is this machine's processor count",
        Environment.ProcessorCount, 1, 256);
    private readonly Option<bool> _quiet = OutputOptions.Quiet();

    public CompareCommand() : base("compare", "every policy on a matrix of workload shapes × G × B × arrivals; figures relative to the best, CSV and heat maps")
    {
        Options.Add(_shapes);
        Options.Add(_ranks);
        Options.Add(_batches);
        Options.Add(_seeds);
        Options.Add(_loads);
        Options.Add(_perSlot);
        Options.Add(_policies);
        Options.Add(_traces);
        Options.Add(_binding);
        Options.Add(_report);
        Options.Add(_out);
        Options.Add(_parallel);
        Options.Add(_quiet);
    }

    public override string HelpNotes => $"""
        Each cell generates N·G·B requests of a shape (see scheduler workload --help), runs every policy backlogged, then
        again with timed arrivals at each load, the rate being load × fcfs's backlogged completion rate in that cell (pool
        fcfs whatever the binding, so loads mean the same in both). With --binding arrival every policy runs in its
        native arrival form (see simulate --help); without --policy, all of those (and bfio:predictor=online once bfio's router
        takes it). --binding pool,arrival runs each policy in each binding that has a form of it, every figure compared
        within its binding; heat maps are then written per binding (heatmap-pool.png, heatmap-arrival-summary.png, …).
        --traces azure adds the shipped Azure conversation trace as a row: N·G·B requests sampled from it, backlogged and
        with its recorded gaps rescaled to each load.
        --report FILE.md writes issue 13's page from the same runs: per source and load, every arrival router's imbalance,
        barrier idle, throughput, TTFT p50/p99 and end-to-end p99; bfio's router over each production router as ratios;
        the goal per cell (bfio and bfio:predictor=online: lower imbalance, TTFT p99 and throughput within
        {RouterGoal.Tolerance * 100:0}% of every production router's); bfio pool against arrival; and PNGs in FILE/.
        Figures: throughput, barrier idle fraction (time view), average imbalance; with timed arrivals also TTFT p99 and
        end-to-end p99. Each is shown as times worse than the best policy of its cell (1.00 = best).
        Verdicts (issue 12): bfio must be best or within {CellVerdict.Tolerance * 100:0}% of the best on every figure against every
        other policy (its own predictor variants aside), with an average imbalance ≤ {CellVerdict.ImbalanceShare}× the best other's; bfio:predictor=online
        the same against the policies that read no output length ({string.Join(", ", LengthFree)}), and so is
        bfio:predictor=running-oracle when listed (the online predictor told when running requests leave: what that is worth).
        Writes DIR/compare.csv (one row per cell and policy), DIR/verdicts.csv, DIR/heatmap.png (each policy's worst
        figure per cell), DIR/heatmap-summary.png (that, averaged over G, B and seeds per shape and arrivals) and
        DIR/heatmap-FIGURE.png.
        """;

    public override int Execute(ParseResult parse, CliConsole console)
    {
        var shapes = SplitList(parse.GetValue(_shapes)!).Select(ShapeOrError).Select(s => s.Name).ToList();
        var traces = ReadTraces(parse.GetValue(_traces));
        var sources = traces.Keys.Concat(shapes).ToList();
        var ranks = parse.GetValue(_ranks)!.Values;
        var batches = parse.GetValue(_batches)!.Values;
        var seeds = parse.GetValue(_seeds)!.Values;
        var loads = parse.GetValue(_loads)!.Values.Where(l => l > 0).ToList();
        var perSlot = parse.GetValue(_perSlot);
        var bindings = BindingOption.ParseList(parse.GetValue(_binding)!);
        var specsOf = parse.GetResult(_policies) is { Implicit: false }
            ? BindingOption.Split(PolicyOptions.ParsePolicies(parse.GetValue(_policies)!), bindings, new PolicyDefaults())
            : bindings.ToDictionary(b => b, b => DefaultSpecs(b));
        var outDir = parse.GetValue(_out)!;
        var report = parse.GetValue(_report);
        var parallel = parse.GetValue(_parallel);
        if (report is not null) ArrivalReport.Check(specsOf, loads);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        Workload Generate(ComparisonCell cell, double rate) => traces.TryGetValue(cell.Shape, out var trace)
            ? SampleTrace(trace, perSlot * cell.Ranks * cell.Batch, cell.Seed, rate)
            : ShapeGenerator.Generate(ShapeCatalog.Get(cell.Shape), perSlot * cell.Ranks * cell.Batch, cell.Seed, rate);

        var baseCells = (from source in sources from g in ranks from b in batches from seed in seeds
                         select new ComparisonCell(source, g, b, seed, null)).ToList();
        var progress = new ProgressReporter(console, parse.GetValue(_quiet));
        var cellCount = baseCells.Count * (1 + loads.Count);
        progress.Line($"compare: {cellCount} cells × ({string.Join(" + ", bindings.Select(b => $"{specsOf[b].Count} policies {BindingName(b)}"))} binding), " +
            $"{perSlot}·G·B requests each, into {outDir}");

        var runs = new Dictionary<ComparisonCell, RunSummary[]>();
        foreach (var binding in bindings)
            foreach (var (cell, summaries) in RunAll(baseCells.Select(c => c with { Binding = binding }).ToList(), c => Generate(c, 0.0), specsOf[binding], binding, parallel, progress))
                runs[cell] = summaries;
        if (loads.Count > 0)
        {
            // Capacity: the completion rate pool fcfs reaches backlogged (requests per second over its admission phase),
            // read from the run when it is in the matrix; the same rate serves every binding, so loads mean the same in each.
            var fcfs = specsOf.TryGetValue(BindingMode.Pool, out var poolSpecs) ? poolSpecs.ToList().FindIndex(s => s.Text == "fcfs") : -1;
            var capacities = new double[baseCells.Count];
            Parallel.For(0, baseCells.Count, new ParallelOptions { MaxDegreeOfParallelism = parallel }, c =>
            {
                var cell = baseCells[c];
                capacities[c] = fcfs >= 0
                    ? OfferedLoad.CapacityOf(runs[cell][fcfs])
                    : OfferedLoad.Capacity(Generate(cell, 0.0), new ClusterShape(cell.Ranks, cell.Batch));
            });
            var rates = new Dictionary<ComparisonCell, double>();
            for (var c = 0; c < baseCells.Count; c++)
                foreach (var load in loads) rates[baseCells[c] with { Load = load }] = load * capacities[c];
            foreach (var binding in bindings)
                foreach (var (cell, summaries) in RunAll(rates.Keys.Select(c => c with { Binding = binding }).ToList(),
                             c => Generate(c, rates[c with { Binding = BindingMode.Pool }]), specsOf[binding], binding, parallel, progress))
                    runs[cell] = summaries;
        }

        var ordered = runs.OrderBy(r => bindings.ToList().IndexOf(r.Key.Binding)).ThenBy(r => sources.IndexOf(r.Key.Shape)).ThenBy(r => r.Key.Ranks)
            .ThenBy(r => r.Key.Batch).ThenBy(r => r.Key.Load ?? 0).ThenBy(r => r.Key.Seed).Select(r => (r.Key, r.Value)).ToList();
        var verdicts = Judge(ordered, specsOf);
        try
        {
            Directory.CreateDirectory(outDir);
            WriteCsv(Path.Combine(outDir, "compare.csv"), ordered);
            WriteVerdicts(Path.Combine(outDir, "verdicts.csv"), verdicts);
            foreach (var binding in bindings)
                WriteHeatMaps(outDir, bindings.Count == 1 ? "" : "-" + BindingName(binding), ordered.Where(r => r.Key.Binding == binding).ToList(), specsOf[binding]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"--out {outDir}: {e.Message}"); }
        foreach (var binding in bindings)
        {
            if (bindings.Count > 1) console.Out.WriteLine($"== {BindingName(binding)} binding ==");
            WriteTable(console.Out, ordered.Where(r => r.Key.Binding == binding).ToList(), specsOf[binding],
                verdicts.Where(v => v.Cell.Binding == binding).ToList());
            if (bindings.Count > 1) console.Out.WriteLine();
        }
        progress.Line($"wrote {outDir}/compare.csv, verdicts.csv and heat maps");
        if (report is not null)
        {
            var size = new ArrivalReport.Size(sources, ranks, batches, seeds, loads, perSlot, clock.Elapsed);
            try { ArrivalReport.Write(report, outDir, "scheduler " + string.Join(' ', parse.Tokens.Select(t => QuoteArg(t.Value))), size, ordered, specsOf); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"--report {report}: {e.Message}"); }
            progress.Line($"wrote {report}");
        }
        return 0;
    }

    /// <summary>The policies a binding runs when --policy is not given: pool, the default list; arrival, every router, and
    /// bfio's online-predictor form once bfio's router takes one.</summary>
    private static IReadOnlyList<PolicySpec> DefaultSpecs(BindingMode binding)
    {
        var list = BindingOption.DefaultPolicies(binding, DefaultPolicies);
        if (binding == BindingMode.Arrival && HasArrivalForm(OnlineBfio)) list += "," + OnlineBfio;
        return PolicyOptions.ParsePolicies(list);
    }

    /// <summary>Whether an arrival router takes <paramref name="spec"/> (its name and keys).</summary>
    internal static bool HasArrivalForm(string spec)
    {
        try { Core.Policies.Routing.ArrivalRouterCatalog.Create(spec); return true; }
        catch (ArgumentException) { return false; }
    }

    /// <summary>--traces: "azure" is the shipped Azure conversation trace; anything else a trace file, named by its file name.</summary>
    private static Dictionary<string, Workload> ReadTraces(string? list)
    {
        var traces = new Dictionary<string, Workload>();
        if (list is null) return traces;
        foreach (var item in SplitList(list))
        {
            var (name, path) = item == AzureTrace
                ? (AzureTrace, DataPaths.Resolve(DataPaths.AzureConversationTrace))
                : (Path.GetFileNameWithoutExtension(item), DataPaths.ResolveShipped(item));
            if (ShapeCatalog.Names.Contains(name) || traces.ContainsKey(name))
                throw new UsageException($"--traces {item}: the name '{name}' is already a shape or trace of this matrix");
            try
            {
                var workload = TraceReader.Read(path);
                OfferedLoad.ArrivalRate(workload); // a trace row is rescaled to each load: it needs timestamps
                traces[name] = workload;
            }
            catch (Exception e) when (e is ArgumentException or IOException or TraceFormatException) { throw new UsageException($"--traces {item}: {e.Message}"); }
        }
        return traces;
    }

    /// <summary>N requests sampled from a trace (TraceSampler: drawn with replacement, in arrival order): backlogged at
    /// rate 0, else their recorded gaps rescaled to <paramref name="rate"/> arrivals per second (bursts stay bursts).</summary>
    private static Workload SampleTrace(Workload trace, int count, int seed, double rate)
    {
        var sample = TraceSampler.Sample(trace, count, seed);
        return rate > 0 ? TraceSampler.RescaleArrivals(sample, rate / OfferedLoad.ArrivalRate(sample)) : sample.AsBacklog();
    }

    private static string BindingName(BindingMode binding) => binding.ToString().ToLowerInvariant();

    private static string QuoteArg(string arg) => arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_.,/:=+".Contains(c)) ? arg : $"\"{arg}\"";

    private static List<(ComparisonCell Cell, RunSummary[] Runs)> RunAll(IReadOnlyList<ComparisonCell> cells, Func<ComparisonCell, Workload> workloadOf,
        IReadOnlyList<PolicySpec> specs, BindingMode binding, int parallel, ProgressReporter progress)
    {
        var workloads = cells.Select(workloadOf).ToArray();
        var results = cells.Select(_ => new RunSummary[specs.Count]).ToArray();
        var jobs = cells.Count * specs.Count;
        var done = 0;
        // Longest cells first (G·B·N grows with both), so the last jobs running are short ones.
        var order = Enumerable.Range(0, jobs).OrderByDescending(j => (long)cells[j / specs.Count].Ranks * cells[j / specs.Count].Batch).ToArray();
        Parallel.For(0, jobs, new ParallelOptions { MaxDegreeOfParallelism = parallel }, k =>
        {
            var j = order[k];
            var (c, p) = (j / specs.Count, j % specs.Count);
            var cell = cells[c];
            var options = new SimulationOptions(new ClusterShape(cell.Ranks, cell.Batch))
            {
                Arrivals = cell.Timed ? ArrivalMode.Trace : ArrivalMode.Backlog,
                Binding = binding,
                RecordSteps = false,
            };
            results[c][p] = Simulator.Run(workloads[c], specs[p], new PolicyDefaults { Seed = cell.Seed }, options).Summary;
            var n = Interlocked.Increment(ref done);
            progress.Update("compare", $"{cell} {specs[p].Text}", n, jobs);
        });
        return cells.Select((cell, c) => (cell, results[c])).ToList();
    }

    private static List<(ComparisonCell Cell, CellVerdict Verdict)> Judge(IReadOnlyList<(ComparisonCell Cell, RunSummary[] Runs)> runs,
        IReadOnlyDictionary<BindingMode, IReadOnlyList<PolicySpec>> specsOf)
    {
        var verdicts = new List<(ComparisonCell, CellVerdict)>();
        foreach (var (cell, summaries) in runs)
        {
            var names = specsOf[cell.Binding].Select(s => s.Text).ToList();
            var figures = Figures.Of(cell.Timed);
            // Oracle bfio against every other policy, its own predictor variants aside (they are bfio too).
            if (names.Contains("bfio"))
                verdicts.Add((cell, CellVerdict.Judge(summaries, "bfio", names.Where(n => PolicySpec.Parse(n).Name != "bfio").ToList(), figures)));
            // The online predictor against the policies that read no length, and so the online predictor given what it cannot
            // learn (when running requests leave): the two counts differ by what that knowledge is worth (docs/compare.md).
            foreach (var judgedAsOnline in (string[])[OnlineBfio, RunningOracleBfio])
                if (names.Contains(judgedAsOnline))
                    verdicts.Add((cell, CellVerdict.Judge(summaries, judgedAsOnline, names.Where(LengthFree.Contains).ToList(), figures)));
        }
        return verdicts;
    }

    private static void WriteCsv(string path, IReadOnlyList<(ComparisonCell Cell, RunSummary[] Runs)> runs)
    {
        var all = Enum.GetValues<Figure>();
        var csv = new StringBuilder();
        csv.Append("shape,ranks,batch,seed,arrivals,load,requests,binding,policy,")
            .Append(string.Join(',', all.Select(Figures.Name))).Append(',')
            .Append(string.Join(',', all.Select(f => "rel_" + Figures.Name(f))))
            .Append(",decision_us_median,decision_us_p99,steps,ttft_p50\n");
        foreach (var (cell, summaries) in runs)
        {
            var best = all.ToDictionary(f => f, f => Figures.Best(f, summaries.Select(s => Figures.Read(s, f))));
            foreach (var s in summaries)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{cell.Shape},{cell.Ranks},{cell.Batch},{cell.Seed},{(cell.Timed ? "timed" : "backlog")},{cell.Load ?? 0},{s.Requests},{BindingName(cell.Binding)},{Quote(s.Policy)},");
                csv.Append(string.Join(',', all.Select(f => Figures.Read(s, f).ToString("R", CultureInfo.InvariantCulture)))).Append(',');
                csv.Append(string.Join(',', all.Select(f => Figures.Penalty(f, Figures.Read(s, f), best[f]).ToString("0.####", CultureInfo.InvariantCulture))));
                csv.Append(CultureInfo.InvariantCulture, $",{s.DecisionMicrosMedian:0.#},{s.DecisionMicrosP99:0.#},{s.Steps},{s.TtftP50:R}\n");
            }
        }
        File.WriteAllText(path, csv.ToString());
    }

    private static void WriteVerdicts(string path, IReadOnlyList<(ComparisonCell Cell, CellVerdict Verdict)> verdicts)
    {
        var csv = new StringBuilder("shape,ranks,batch,seed,arrivals,binding,candidate,figure,value,best_rival,best_value,times_worse\n");
        foreach (var (cell, verdict) in verdicts)
            foreach (var s in verdict.Shortfalls)
                csv.Append(CultureInfo.InvariantCulture,
                    $"{cell.Shape},{cell.Ranks},{cell.Batch},{cell.Seed},{cell.Arrivals},{BindingName(cell.Binding)},{Quote(verdict.Candidate)},{Figures.Name(s.Figure)},{s.Value:R},{Quote(s.BestRival)},{s.BestValue:R},{s.Penalty:0.####}\n");
        File.WriteAllText(path, csv.ToString());
    }

    /// <summary>Rows = policies, columns = cells; per figure, and the worst figure of each cell in heatmap.png.</summary>
    /// <param name="suffix">Added to every file name ("-arrival"): empty for a single binding, as compare always wrote.</param>
    private static void WriteHeatMaps(string outDir, string suffix, IReadOnlyList<(ComparisonCell Cell, RunSummary[] Runs)> runs, IReadOnlyList<PolicySpec> specs)
    {
        var columns = runs.Select(r => r.Cell.Label).ToList();
        var rows = specs.Select(s => s.Text).ToList();
        var worst = new double[rows.Count, columns.Count];
        foreach (var figure in Enum.GetValues<Figure>())
        {
            var timedOnly = !Figures.Of(false).Contains(figure);
            var cellIndexes = Enumerable.Range(0, runs.Count).Where(c => !timedOnly || runs[c].Cell.Timed).ToList();
            if (cellIndexes.Count == 0) continue;
            var ratios = new double[rows.Count, cellIndexes.Count];
            for (var k = 0; k < cellIndexes.Count; k++)
            {
                var (_, summaries) = runs[cellIndexes[k]];
                var best = Figures.Best(figure, summaries.Select(s => Figures.Read(s, figure)));
                for (var p = 0; p < rows.Count; p++)
                {
                    ratios[p, k] = Figures.Penalty(figure, Figures.Read(summaries[p], figure), best);
                    worst[p, cellIndexes[k]] = Math.Max(worst[p, cellIndexes[k]], ratios[p, k]);
                }
            }
            new HeatMap($"{Figures.Name(figure)}: times worse than the best policy of the cell", rows, cellIndexes.Select(c => columns[c]).ToList(), ratios)
                .SavePng(Path.Combine(outDir, $"heatmap{suffix}-{Figures.Name(figure)}.png"));
        }
        new HeatMap("worst figure per cell: times worse than the best policy", rows, columns, worst).SavePng(Path.Combine(outDir, $"heatmap{suffix}.png"));

        // The summary: cells grouped by shape and arrivals (over G, B and seeds), geometric mean of the worst figure.
        var groups = Enumerable.Range(0, runs.Count).GroupBy(c => (runs[c].Cell.Shape, runs[c].Cell.Arrivals)).ToList();
        var summary = new double[rows.Count, groups.Count];
        for (var k = 0; k < groups.Count; k++)
            for (var p = 0; p < rows.Count; p++)
                summary[p, k] = Math.Exp(groups[k].Average(c => Math.Log(Math.Min(worst[p, c], 1e6))));
        new HeatMap("worst figure per cell, geometric mean over G, B and seeds", rows,
                groups.Select(g => $"{g.Key.Shape} {g.Key.Arrivals}").ToList(), summary)
            .SavePng(Path.Combine(outDir, $"heatmap{suffix}-summary.png"));
    }

    /// <summary>Per policy: the geometric mean over cells of each figure's ratio to the best, and its worst; then the verdicts.</summary>
    private static void WriteTable(TextWriter output, IReadOnlyList<(ComparisonCell Cell, RunSummary[] Runs)> runs, IReadOnlyList<PolicySpec> specs,
        IReadOnlyList<(ComparisonCell Cell, CellVerdict Verdict)> verdicts)
    {
        var all = Enum.GetValues<Figure>();
        output.WriteLine($"times worse than the best policy of each cell: geometric mean over cells (worst); {runs.Count} cells");
        output.WriteLine($"{"policy",-24}" + string.Concat(all.Select(f => $"{Figures.Name(f),22}")));
        for (var p = 0; p < specs.Count; p++)
        {
            var line = new StringBuilder($"{specs[p].Text,-24}");
            foreach (var figure in all)
            {
                var ratios = runs.Where(r => Figures.Of(r.Cell.Timed).Contains(figure))
                    .Select(r => Figures.Penalty(figure, Figures.Read(r.Runs[p], figure), Figures.Best(figure, r.Runs.Select(s => Figures.Read(s, figure)))))
                    .Where(double.IsFinite).ToList();
                line.Append(ratios.Count == 0 ? $"{"-",22}" : string.Create(CultureInfo.InvariantCulture,
                    $"{Math.Exp(ratios.Average(Math.Log)),13:0.000} ({ratios.Max(),6:0.00})"));
            }
            output.WriteLine(line.ToString());
        }
        foreach (var candidate in verdicts.Select(v => v.Verdict.Candidate).Distinct())
        {
            var mine = verdicts.Where(v => v.Verdict.Candidate == candidate).ToList();
            output.WriteLine();
            output.WriteLine($"{candidate}: wins {mine.Count(v => v.Verdict.Wins)} of {mine.Count} cells");
            foreach (var (cell, verdict) in mine.Where(v => !v.Verdict.Wins))
                output.WriteLine($"  {cell}: " + string.Join("; ", verdict.Shortfalls.Select(s => string.Create(CultureInfo.InvariantCulture,
                    $"{Figures.Name(s.Figure)} {s.Penalty:0.000}× {s.BestRival}"))));
        }
    }

    private static IEnumerable<string> SplitList(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static WorkloadShape ShapeOrError(string name)
    {
        try { return ShapeCatalog.Get(name); }
        catch (ArgumentException e) { throw new FormatException(e.Message); }
    }

    private static string Quote(string text) => text.Contains(',') || text.Contains('"') ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
}
