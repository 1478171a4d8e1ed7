using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using System.Text;
using Scheduler.Cli.CommandLine;
using Scheduler.Cli.Output;
using Scheduler.Cli.Plots;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Core.Sweeps;
using Scheduler.Core.Traces;

namespace Scheduler.Cli.Commands;

/// <summary><c>scheduler sweep</c>: a grid of simulations over G, B, H and δ with several seeds, as CSV and PNG plots.</summary>
public sealed class SweepCommand : SchedulerCommand
{
    public const string DefaultPolicies = "fcfs,bfio";

    private readonly InputFileOptions _files = new();
    private readonly Option<int> _count = CliOption.Int("--count", "requests per run", 20000, 1);
    private readonly Option<int?> _countPerRank = CliOption.OptionalInt("--count-per-rank",
        "requests per run = N·G instead of --count, so every G reaches the same steady state", min: 1);
    private readonly Option<ValueList<int>> _seeds = CliOption.IntList("--seeds", "sampling seeds", "1,2,3", 0);
    private readonly Option<string> _policies = PolicyOptions.PolicyList(DefaultPolicies,
        "policies; BF-IO policies also sweep --horizons (and bfio --noise)");
    private readonly Option<ValueList<int>> _ranks = CliOption.IntList("--ranks", "G values", "16,32,64,128,256", 1);
    private readonly Option<ValueList<int>> _batches = CliOption.IntList("--batch", "B values", "72", 1);
    private readonly Option<ValueList<int>> _horizons = CliOption.IntList("--horizons", "BF-IO horizons H", "16", 0);
    private readonly Option<ValueList<double>> _noises = CliOption.DoubleList("--noise", "predictor noise δ for bfio", "0", 0.0);
    private readonly Option<string> _baseline = CliOption.Text("--baseline", "the policy ratios are taken against", "fcfs", helpName: "NAME");
    private readonly Option<string> _out = CliOption.Text("--out", "sweep.csv, ratio.csv and PNG plots", Path.Combine("out", "sweep"), helpName: "DIR");
    private readonly Option<int> _trajectorySteps = CliOption.Int("--trajectory-steps", "steps shown in the per-rank load trajectory plots", 300, 1);
    private readonly Option<int> _parallel = CliOption.Int("--parallel", "simulations run at once; the default is this machine's processor count",
        Environment.ProcessorCount, 1, 256);
    private readonly Option<bool> _quiet = OutputOptions.Quiet();

    public SweepCommand() : base("sweep", "run policies over a grid of G, B, H and noise with several seeds; CSV and PNG plots")
    {
        this.Add(_files);
        Options.Add(_count);
        Options.Add(_countPerRank);
        Options.Add(_seeds);
        Options.Add(_policies);
        Options.Add(_ranks);
        Options.Add(_batches);
        Options.Add(_horizons);
        Options.Add(_noises);
        Options.Add(_baseline);
        Options.Add(_out);
        Options.Add(_trajectorySteps);
        Options.Add(_parallel);
        Options.Add(_quiet);
    }

    public override string HelpNotes => $"""
        Each seed samples --count requests with replacement from the input (default: the shipped burst fixture,
        data/{DataPaths.DefaultRequests}).
        """;

    public override int Execute(ParseResult parse, CliConsole console)
    {
        var (requests, trace, format) = _files.Read(parse);
        var count = parse.GetValue(_count);
        var countPerRank = parse.GetValue(_countPerRank);
        var seeds = parse.GetValue(_seeds)!.Values;
        var policies = PolicyOptions.ParsePolicies(parse.GetValue(_policies)!);
        var ranks = parse.GetValue(_ranks)!.Values;
        var batches = parse.GetValue(_batches)!.Values;
        var horizons = parse.GetValue(_horizons)!.Values;
        var noises = parse.GetValue(_noises)!.Values;
        var baseline = parse.GetValue(_baseline)!;
        var outDir = parse.GetValue(_out)!;
        var trajectorySteps = parse.GetValue(_trajectorySteps);
        var parallel = parse.GetValue(_parallel);

        var source = trace is not null
            ? TraceReader.Read(trace, format)
            : TraceReader.Read(requests ?? DataPaths.Resolve(DataPaths.DefaultRequests), format ?? TraceFormat.RequestCsv);
        var grid = new SweepGrid(policies, ranks, batches, horizons, noises, seeds);
        foreach (var p in policies) PolicyOptions.CreatePolicy(p, new PolicyDefaults());
        var points = grid.Points();
        var progress = new ProgressReporter(console, parse.GetValue(_quiet));
        progress.Line($"sweep: {points.Count} runs of {(countPerRank is { } pr ? $"{pr:N0}·G" : $"{count:N0}")} requests from {source.Source} into {outDir}");

        var workloads = new ConcurrentDictionary<int, Workload>();
        int CountFor(int ranks) => countPerRank is { } perRank ? perRank * ranks : count;
        Workload WorkloadFor(int seed, int ranks) =>
            workloads.GetOrAdd(seed * 1_000_003 + CountFor(ranks), _ => TraceSampler.Sample(source, CountFor(ranks), seed).AsBacklog());
        var results = new RunSummary[points.Count];
        var done = 0;
        Parallel.For(0, points.Count, new ParallelOptions { MaxDegreeOfParallelism = parallel }, i =>
        {
            var point = points[i];
            var policy = PolicyCatalog.Create(PolicySpec.Parse(point.PolicyText), new PolicyDefaults { Seed = point.Seed });
            results[i] = Simulator.Run(WorkloadFor(point.Seed, point.Ranks), policy, new SimulationOptions(new ClusterShape(point.Ranks, point.Batch)) { RecordSteps = false }).Summary;
            var n = Interlocked.Increment(ref done);
            progress.Line($"[{n}/{points.Count}] {point.PolicyText} G={point.Ranks} B={point.Batch} seed {point.Seed}: avg imbalance {results[i].AvgImbalance:N0}");
        });

        Directory.CreateDirectory(outDir);
        WriteSweepCsv(Path.Combine(outDir, "sweep.csv"), points, results);
        var aggregates = AggregateOverSeeds(points, results);
        var ratios = Ratios(points, results, baseline);
        WriteRatioCsv(Path.Combine(outDir, "ratio.csv"), ratios);
        WritePlots(outDir, aggregates, ratios, baseline);
        WriteTrajectories(outDir, grid, points, WorkloadFor(seeds[0], ranks[0]), trajectorySteps);
        WriteTables(console.Out, aggregates, ratios, baseline);
        progress.Line($"wrote {outDir}/sweep.csv, ratio.csv and plots");
        return 0;
    }

    /// <summary>Mean over seeds per (policy text, G, B).</summary>
    public sealed record Aggregate(string Policy, int Ranks, int Batch, int? Horizon, double? Noise, double Imbalance, double Throughput, int Seeds);

    private static List<Aggregate> AggregateOverSeeds(IReadOnlyList<SweepPoint> points, RunSummary[] results) =>
        points.Select((p, i) => (p, r: results[i]))
            .GroupBy(x => (x.p.PolicyText, x.p.Ranks, x.p.Batch, x.p.Horizon, x.p.Noise))
            .Select(g => new Aggregate(g.Key.PolicyText, g.Key.Ranks, g.Key.Batch, g.Key.Horizon, g.Key.Noise,
                g.Average(x => x.r.AvgImbalance), g.Average(x => x.r.Throughput), g.Count()))
            .ToList();

    /// <summary>Baseline imbalance over each other policy's, per (G, B, seed), beside √(B·ln G).</summary>
    public sealed record RatioRow(string Policy, int Ranks, int Batch, int Seed, double Baseline, double Imbalance, double Ratio, double Scale);

    private static List<RatioRow> Ratios(IReadOnlyList<SweepPoint> points, RunSummary[] results, string baseline)
    {
        var rows = new List<RatioRow>();
        var byKey = points.Select((p, i) => (p, r: results[i])).ToList();
        foreach (var (p, r) in byKey)
        {
            if (p.PolicyText == baseline) continue;
            var b = byKey.FirstOrDefault(x => x.p.PolicyText == baseline && x.p.Ranks == p.Ranks && x.p.Batch == p.Batch && x.p.Seed == p.Seed);
            if (b.r is null) continue;
            rows.Add(new RatioRow(p.PolicyText, p.Ranks, p.Batch, p.Seed, b.r.AvgImbalance, r.AvgImbalance,
                ImbalanceRatio.Ratio(b.r.AvgImbalance, r.AvgImbalance), ImbalanceRatio.TheoryScale(p.Ranks, p.Batch)));
        }
        return rows;
    }

    private static void WriteSweepCsv(string path, IReadOnlyList<SweepPoint> points, RunSummary[] results)
    {
        using var w = new StreamWriter(path);
        w.WriteLine("policy_text,horizon,noise,seed," + string.Join(',', SummaryFields.All.Select(f => f.Key)));
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            var row = new StringWriter();
            SummaryWriter.WriteCsv(row, [results[i]]);
            var values = row.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].TrimEnd('\r');
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\"{p.PolicyText}\",{p.Horizon},{p.Noise},{p.Seed},{values}"));
        }
    }

    private static void WriteRatioCsv(string path, List<RatioRow> rows)
    {
        using var w = new StreamWriter(path);
        w.WriteLine("policy,ranks,batch,seed,baseline_imbalance,imbalance,ratio,sqrt_b_ln_g,ratio_over_scale");
        foreach (var r in rows)
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"\"{r.Policy}\",{r.Ranks},{r.Batch},{r.Seed},{r.Baseline:R},{r.Imbalance:R},{r.Ratio:R},{r.Scale:R},{r.Ratio / r.Scale:R}"));
    }

    private static void WritePlots(string outDir, List<Aggregate> aggregates, List<RatioRow> ratios, string baseline)
    {
        var batches = aggregates.Select(a => a.Batch).Distinct().Order().ToList();
        var ranks = aggregates.Select(a => a.Ranks).Distinct().Order().ToList();
        if (ranks.Count > 1)
        {
            var chart = new LineChart($"Average imbalance vs ranks (B={batches[0]})", "ranks G", "avg imbalance G·max L − ΣL (tokens)");
            foreach (var series in aggregates.Where(a => a.Batch == batches[0]).GroupBy(a => a.Policy))
                chart.Series(series.Key, series.OrderBy(a => a.Ranks).Select(a => (double)a.Ranks).ToList(), series.OrderBy(a => a.Ranks).Select(a => a.Imbalance).ToList());
            chart.SavePng(Path.Combine(outDir, "imbalance_vs_ranks.png"));
        }
        if (batches.Count > 1)
        {
            var chart = new LineChart($"Average imbalance vs batch size (G={ranks[0]})", "batch B", "avg imbalance (tokens)");
            foreach (var series in aggregates.Where(a => a.Ranks == ranks[0]).GroupBy(a => a.Policy))
                chart.Series(series.Key, series.OrderBy(a => a.Batch).Select(a => (double)a.Batch).ToList(), series.OrderBy(a => a.Batch).Select(a => a.Imbalance).ToList());
            chart.SavePng(Path.Combine(outDir, "imbalance_vs_batch.png"));
        }
        var horizonSeries = aggregates.Where(a => a.Horizon is not null).GroupBy(a => (a.Ranks, a.Batch, Family: PolicySpec.Parse(a.Policy).Name)).ToList();
        if (horizonSeries.Any(s => s.Select(a => a.Horizon).Distinct().Count() > 1))
        {
            var chart = new LineChart("Average imbalance vs horizon H", "horizon H (steps)", "avg imbalance (tokens)");
            foreach (var s in horizonSeries.Where(s => s.Key.Ranks == ranks[^1] && s.Key.Batch == batches[0]))
                chart.Series($"{s.Key.Family} G={s.Key.Ranks}", s.OrderBy(a => a.Horizon).Select(a => (double)a.Horizon!.Value).ToList(), s.OrderBy(a => a.Horizon).Select(a => a.Imbalance).ToList());
            chart.SavePng(Path.Combine(outDir, "imbalance_vs_horizon.png"));
        }
        if (ratios.Count > 0)
        {
            var chart = new LineChart($"{baseline} / policy imbalance ratio vs √(B·ln G)", "√(B·ln G)", $"{baseline} imbalance / policy imbalance");
            foreach (var s in ratios.GroupBy(r => r.Policy))
            {
                var mean = s.GroupBy(r => (r.Ranks, r.Batch)).Select(g => (Scale: g.First().Scale, Ratio: g.Average(r => r.Ratio))).OrderBy(x => x.Scale).ToList();
                chart.Series(s.Key, mean.Select(x => x.Scale).ToList(), mean.Select(x => x.Ratio).ToList());
            }
            // The theory's shape, c·√(B·ln G), with c the mean measured ratio/scale of all points.
            var c = ratios.Average(r => r.Ratio / r.Scale);
            var scales = ratios.Select(r => r.Scale).Distinct().Order().ToList();
            chart.Series($"{c:F2}·√(B·ln G)", scales, scales.Select(x => c * x).ToList());
            chart.SavePng(Path.Combine(outDir, "ratio_vs_sqrt_b_ln_g.png"));
        }
    }

    private static void WriteTrajectories(string outDir, SweepGrid grid, IReadOnlyList<SweepPoint> points, Workload workload, int steps)
    {
        var shape = new ClusterShape(grid.Ranks[0], grid.Batches[0]);
        foreach (var point in points.Where(p => p.Ranks == shape.Ranks && p.Batch == shape.BatchSize && p.Seed == grid.Seeds[0])
                     .GroupBy(p => p.Policy.Text).Select(g => g.First()))
        {
            var loads = new List<long[]>();
            var policy = PolicyCatalog.Create(PolicySpec.Parse(point.PolicyText), new PolicyDefaults { Seed = point.Seed });
            Simulator.Run(workload, policy, new SimulationOptions(shape)
            {
                RecordSteps = false,
                OnStep = (state, _) => { if (loads.Count < steps) loads.Add(state.Loads.ToArray()); },
            });
            var chart = new LineChart($"Per-rank load, {point.PolicyText}, G={shape.Ranks} B={shape.BatchSize}", "step", "rank load L_g (tokens)");
            var x = Enumerable.Range(1, loads.Count).Select(i => (double)i).ToList();
            for (var g = 0; g < shape.Ranks; g++)
                chart.Series($"rank {g}", x, loads.Select(l => (double)l[g]).ToList());
            chart.SavePng(Path.Combine(outDir, $"trajectory_{RunFiles.FileSafe(point.PolicyText)}.png"));
        }
    }

    private static void WriteTables(TextWriter stdout, List<Aggregate> aggregates, List<RatioRow> ratios, string baseline)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{"policy",-24} {"G",5} {"B",5} {"avg imbalance",14} {"throughput",12} {"seeds",5}");
        foreach (var a in aggregates.OrderBy(a => a.Policy).ThenBy(a => a.Batch).ThenBy(a => a.Ranks))
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{a.Policy,-24} {a.Ranks,5} {a.Batch,5} {a.Imbalance,14:N0} {a.Throughput,12:N0} {a.Seeds,5}"));
        if (ratios.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine($"{"policy",-24} {"G",5} {"B",5} {baseline + "/policy",12} {"√(B·lnG)",9} {"ratio/√(B·lnG)",15}");
            foreach (var g in ratios.GroupBy(r => (r.Policy, r.Ranks, r.Batch)).OrderBy(g => g.Key.Policy).ThenBy(g => g.Key.Batch).ThenBy(g => g.Key.Ranks))
            {
                var ratio = g.Average(r => r.Ratio);
                var scale = g.First().Scale;
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{g.Key.Policy,-24} {g.Key.Ranks,5} {g.Key.Batch,5} {ratio,12:F2} {scale,9:F2} {ratio / scale,15:F3}"));
            }
        }
        stdout.Write(sb.ToString());
    }
}
