using System.Globalization;
using System.Text;
using Scheduler.Cli.CommandLine;
using Scheduler.Cli.Plots;
using Scheduler.Core.Comparisons;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;

namespace Scheduler.Cli.Output;

/// <summary>
/// Issue 13's page, written by <c>scheduler compare --report FILE.md</c> from the comparison's own runs: every arrival
/// router's figures per source and load, bfio's router over each production router, the goal per cell, and bfio pool
/// against arrival, with heat maps in FILE/. The page is the command's output whole, so re-running it refreshes it.
/// </summary>
public static class ArrivalReport
{
    /// <summary>The goal is asked at these loads and above; below, every router keeps up and the figures are context.</summary>
    public const double GoalFromLoad = 0.8;

    /// <summary>The matrix the runs covered, as the page states it.</summary>
    public sealed record Size(IReadOnlyList<string> Sources, IReadOnlyList<int> Ranks, IReadOnlyList<int> Batches, IReadOnlyList<int> Seeds,
        IReadOnlyList<double> Loads, int RequestsPerSlot, TimeSpan Elapsed);

    private sealed record Group(string Source, int Ranks, int Batch, double Load)
    {
        public string Label => string.Create(CultureInfo.InvariantCulture, $"{Source} G{Ranks} B{Batch} load {Load:0.##}");
    }

    /// <summary>Refuses, before any run, a matrix the report cannot be written from (a <see cref="UsageException"/> naming what is missing).</summary>
    public static void Check(IReadOnlyDictionary<BindingMode, IReadOnlyList<PolicySpec>> specsOf, IReadOnlyList<double> loads)
    {
        if (!specsOf.TryGetValue(BindingMode.Arrival, out var arrivalSpecs))
            throw new UsageException("--report: the arrival report compares routers; give --binding arrival (or pool,arrival)");
        if (!arrivalSpecs.Any(s => s.Name == "bfio") || arrivalSpecs.All(s => s.Name == "bfio"))
            throw new UsageException("--report: the arrival report needs bfio and at least one production router in --policy");
        if (loads.Count == 0)
            throw new UsageException("--report: the arrival report reads timed arrivals; give --loads above 0");
    }

    public static void Write(string path, string outDir, string commandLine, Size size,
        IReadOnlyList<(ComparisonCell Cell, RunSummary[] Runs)> runs, IReadOnlyDictionary<BindingMode, IReadOnlyList<PolicySpec>> specsOf)
    {
        Check(specsOf, size.Loads);
        var arrivalSpecs = specsOf[BindingMode.Arrival];
        var candidates = arrivalSpecs.Where(s => s.Name == "bfio").Select(s => s.Text).ToList();
        var rivals = arrivalSpecs.Where(s => s.Name != "bfio").Select(s => s.Text).ToList();
        var poolBfio = specsOf.TryGetValue(BindingMode.Pool, out var poolSpecs) ? poolSpecs.Where(s => s.Name == "bfio").Select(s => s.Text).ToList() : [];

        var arrival = Average(runs, BindingMode.Arrival);
        var pool = Average(runs, BindingMode.Pool);
        var groups = arrival.Keys.ToList();
        var goals = groups.ToDictionary(g => g, g => candidates.ToDictionary(c => c,
            c => RouterGoal.Judge(arrival[g][c], rivals.Select(r => arrival[g][r]).ToList())));

        var assets = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileNameWithoutExtension(path));
        var assetLink = Path.GetFileNameWithoutExtension(path);
        Directory.CreateDirectory(assets);
        WritePlots(assets, groups, arrival, pool, candidates, rivals, goals, poolBfio);

        var md = new StringBuilder();
        var outLink = Path.GetRelativePath(Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFullPath(outDir)).Replace('\\', '/');
        md.Append(CultureInfo.InvariantCulture, $"""
            <!-- Written by `scheduler compare --report`; re-run the command below to refresh it, do not edit by hand. -->
            # Binding on arrival: every router against bfio's (issue 13)

            With `--binding arrival` a request is bound to a rank when it arrives, by a router (the rule vLLM, SGLang or
            TensorRT-LLM apply), and waits in that rank's own queue; with `--binding pool` (the paper's setting) it waits in
            one central queue until a policy admits it into a free slot. This page runs every router on the shipped Azure
            conversation trace and the generated workload shapes ([workload-shapes.md](workload-shapes.md)) with timed
            arrivals at each load, the load being the arrival rate as a multiple of the cell's capacity (pool fcfs's
            backlogged completion rate, the same in both bindings). Issue 13's goal, judged per source and load ≥ {GoalFromLoad:0.0}:
            bfio's router (`bfio`, oracle output lengths, and `bfio:predictor=online`) has a **lower average imbalance**, a
            **TTFT p99 no higher** and a **throughput no lower** than every production router ({string.Join(", ", rivals)}),
            "no higher/lower" allowing {RouterGoal.Tolerance * 100:0}% (below capacity every router's throughput is the arrival rate).

            bfio's router in this run: {Core.Policies.Routing.ArrivalRouterCatalog.Describe().First(r => r.Name == "bfio").Summary}.

            Figures, per source and load, the mean over seeds: average imbalance (the paper's G·max L − Σ L after a step's
            departures, tokens), barrier idle (time view), throughput (tokens/s), TTFT p50/p99 and end-to-end p99 (seconds).

            **Regenerate** (from the repository root, after `dotnet build src/Scheduler.Cli -c Release`; the command line is
            the one that wrote this page):

            ```bash
            src/Scheduler.Cli/bin/Release/net10.0/linux-x64/{commandLine}
            ```

            **Size**: sources {string.Join(", ", size.Sources)}; G = {Join(size.Ranks)}, B = {Join(size.Batches)}, seeds {Join(size.Seeds)};
            {size.RequestsPerSlot}·G·B requests per cell (each slot filled {size.RequestsPerSlot} times over), loads {string.Join(", ", size.Loads.Select(l => l.ToString("0.##", CultureInfo.InvariantCulture)))}.
            The whole matrix (every binding, backlogged cells included) took {Duration(size.Elapsed)} on a machine with {Environment.ProcessorCount} cores:
            sized to be re-run by hand; larger G, B and more seeds narrow the spread, at the cost of time.
            Every run, backlogged cells and pool policies included, is in [{outLink}/compare.csv]({outLink}/compare.csv) (with a `binding` column).


            """);

        md.AppendLine("## The goal");
        md.AppendLine();
        md.Append("| candidate |").Append(string.Concat(size.Loads.Select(l => string.Create(CultureInfo.InvariantCulture, $" load {l:0.##} |")))).AppendLine();
        md.Append("|---|").Append(string.Concat(size.Loads.Select(_ => "---|"))).AppendLine();
        foreach (var c in candidates)
        {
            md.Append(CultureInfo.InvariantCulture, $"| `{c}` |");
            foreach (var load in size.Loads)
            {
                var at = groups.Where(g => g.Load == load).ToList();
                var met = at.Count(g => goals[g][c].Met);
                md.Append(CultureInfo.InvariantCulture, $" {met} of {at.Count}{(load >= GoalFromLoad ? "" : " (not asked)")} |");
            }
            md.AppendLine();
        }
        if (!candidates.Contains(Commands.CompareCommand.OnlineBfio))
            md.AppendLine().AppendLine(Commands.CompareCommand.HasArrivalForm(Commands.CompareCommand.OnlineBfio)
                ? $"`{Commands.CompareCommand.OnlineBfio}` was not in --policy: not run."
                : $"`{Commands.CompareCommand.OnlineBfio}`: bfio's router takes no predictor= key yet, so it was not run; the goal with the online predictor is open.");
        var asked = groups.Where(g => g.Load >= GoalFromLoad).ToList();
        var all = candidates.All(c => asked.All(g => goals[g][c].Met));
        md.AppendLine().AppendLine(all
            ? "**Met** in every cell at load ≥ " + GoalFromLoad.ToString("0.0", CultureInfo.InvariantCulture) + "."
            : "**Not met** everywhere. Misses at load ≥ " + GoalFromLoad.ToString("0.0", CultureInfo.InvariantCulture) + " (figure, times worse than the rival):");
        foreach (var g in asked)
            foreach (var c in candidates.Where(c => !goals[g][c].Met))
                md.AppendLine($"- {g.Label}, `{c}`: {string.Join("; ", goals[g][c].Misses)}");
        md.AppendLine();
        md.AppendLine($"![bfio's router: worst goal figure against the production routers]({assetLink}/goal.png)");
        md.AppendLine();
        md.AppendLine("Each cell: the candidate's worst goal figure (imbalance, TTFT p99, throughput) against the production routers, as times");
        md.AppendLine("worse than that router (below 1.00: better than every one of them on all three).");
        md.AppendLine();

        md.AppendLine("## bfio's router against the best production router on each figure");
        md.AppendLine();
        md.AppendLine("bfio ÷ the best production router of the cell on that figure (named); below 1 is better, except throughput (above 1 is better).");
        md.AppendLine();
        md.Append("| source | load | candidate |").Append(string.Concat(RouterFigures.Columns.Select(c => $" {c.Name} |"))).AppendLine(" goal |");
        md.Append("|---|---|---|").Append(string.Concat(RouterFigures.Columns.Select(_ => "---|"))).AppendLine("---|");
        foreach (var g in groups)
            foreach (var c in candidates)
            {
                md.Append(CultureInfo.InvariantCulture, $"| {g.Source} G{g.Ranks} B{g.Batch} | {g.Load:0.##} | `{c}` |");
                foreach (var (_, higher, read) in RouterFigures.Columns)
                {
                    var best = rivals.Select(r => arrival[g][r]).OrderBy(f => higher ? -read(f) : read(f)).First();
                    md.Append(CultureInfo.InvariantCulture, $" {Ratio(read(arrival[g][c]), read(best))} ({best.Policy}) |");
                }
                md.AppendLine($" {Verdict(goals[g][c], g.Load)} |");
            }
        md.AppendLine();

        if (poolBfio.Count > 0)
        {
            md.AppendLine("## bfio pool against arrival: what immediate binding costs");
            md.AppendLine();
            md.AppendLine("bfio's router (arrival binding) ÷ bfio placing from the pool, same requests: above 1 is what binding at arrival costs, except");
            md.AppendLine("throughput (below 1 is the cost).");
            md.AppendLine();
            md.Append("| source | load | bfio |").Append(string.Concat(RouterFigures.Columns.Select(c => $" {c.Name} |"))).AppendLine();
            md.Append("|---|---|---|").Append(string.Concat(RouterFigures.Columns.Select(_ => "---|"))).AppendLine();
            foreach (var g in groups)
                foreach (var c in candidates.Where(poolBfio.Contains))
                {
                    md.Append(CultureInfo.InvariantCulture, $"| {g.Source} G{g.Ranks} B{g.Batch} | {g.Load:0.##} | `{c}` |");
                    foreach (var (_, _, read) in RouterFigures.Columns) md.Append($" {Ratio(read(arrival[g][c]), read(pool[g][c]))} |");
                    md.AppendLine();
                }
            md.AppendLine();
            md.AppendLine($"![bfio arrival against pool]({assetLink}/pool-vs-arrival.png)");
            md.AppendLine();
        }

        md.AppendLine("## Every router, per source and load");
        md.AppendLine();
        foreach (var source in groups.GroupBy(g => (g.Source, g.Ranks, g.Batch)))
        {
            md.AppendLine($"### {source.Key.Source}, G={source.Key.Ranks}, B={source.Key.Batch}");
            md.AppendLine();
            foreach (var g in source)
            {
                md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"**Load {g.Load:0.##}**: each router's figures, then bfio's over each production router's."));
                md.AppendLine();
                md.AppendLine("| router | imbalance | barrier idle | throughput (tok/s) | TTFT p50 (s) | TTFT p99 (s) | e2e p99 (s) |");
                md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
                foreach (var r in rivals.Concat(candidates)) md.AppendLine(Row($"`{r}`", arrival[g][r]));
                foreach (var c in candidates.Where(poolBfio.Contains)) md.AppendLine(Row($"`{c}` (pool)", pool[g][c]));
                md.AppendLine();
                foreach (var c in candidates)
                {
                    md.Append($"| `{c}` ÷ |").Append(string.Concat(RouterFigures.Columns.Select(col => $" {col.Name} |"))).AppendLine();
                    md.Append("|---|").Append(string.Concat(RouterFigures.Columns.Select(_ => "---:|"))).AppendLine();
                    foreach (var r in rivals)
                        md.Append($"| `{r}` |").Append(string.Concat(RouterFigures.Columns.Select(col => $" {Ratio(col.Read(arrival[g][c]), col.Read(arrival[g][r]))} |"))).AppendLine();
                    md.AppendLine();
                    md.AppendLine($"Goal for `{c}`: {Verdict(goals[g][c], g.Load)}.");
                    md.AppendLine();
                }
            }
        }
        File.WriteAllText(path, md.ToString());
    }

    /// <summary>Per (source, G, B, load), each policy's figures averaged over seeds, for one binding's timed cells.</summary>
    private static Dictionary<Group, Dictionary<string, RouterFigures>> Average(IReadOnlyList<(ComparisonCell Cell, RunSummary[] Runs)> runs, BindingMode binding) =>
        runs.Where(r => r.Cell.Binding == binding && r.Cell.Load is not null)
            .GroupBy(r => new Group(r.Cell.Shape, r.Cell.Ranks, r.Cell.Batch, r.Cell.Load!.Value))
            .ToDictionary(g => g.Key, g => g.SelectMany(r => r.Runs).GroupBy(s => s.Policy)
                .ToDictionary(p => p.Key, p => RouterFigures.Mean(p.Select(RouterFigures.Of).ToList())));

    private static void WritePlots(string assets, IReadOnlyList<Group> groups, Dictionary<Group, Dictionary<string, RouterFigures>> arrival,
        Dictionary<Group, Dictionary<string, RouterFigures>> pool, IReadOnlyList<string> candidates, IReadOnlyList<string> rivals,
        Dictionary<Group, Dictionary<string, RouterGoal>> goals, IReadOnlyList<string> poolBfio)
    {
        var columns = groups.Select(g => g.Label).ToList();
        var worst = new double[candidates.Count, groups.Count];
        for (var c = 0; c < candidates.Count; c++)
            for (var k = 0; k < groups.Count; k++) worst[c, k] = goals[groups[k]][candidates[c]].WorstPenalty;
        new HeatMap("bfio's router: worst goal figure, times worse than a production router", candidates, columns, worst)
            .SavePng(Path.Combine(assets, "goal.png"));

        // Per goal figure, the oracle router against each production router: where the worst cell comes from.
        var oracle = candidates[0];
        foreach (var (name, higher, read) in RouterFigures.Columns.Where(c => c.Name is "imbalance" or "TTFT p99" or "throughput"))
        {
            var ratios = new double[rivals.Count, groups.Count];
            for (var r = 0; r < rivals.Count; r++)
                for (var k = 0; k < groups.Count; k++)
                    ratios[r, k] = TimesWorse(read(arrival[groups[k]][oracle]), read(arrival[groups[k]][rivals[r]]), higher);
            new HeatMap($"{oracle} ({name}): times worse than each production router", rivals, columns, ratios)
                .SavePng(Path.Combine(assets, $"{oracle}-vs-routers-{name.Replace(' ', '-').ToLowerInvariant()}.png"));
        }

        var both = candidates.Where(poolBfio.Contains).ToList();
        if (both.Count == 0) return;
        var rows = both.SelectMany(c => RouterFigures.Columns.Select(col => $"{c} {col.Name}")).ToList();
        var cost = new double[rows.Count, groups.Count];
        var i = 0;
        foreach (var c in both)
            foreach (var (_, higher, read) in RouterFigures.Columns)
            {
                for (var k = 0; k < groups.Count; k++) cost[i, k] = TimesWorse(read(arrival[groups[k]][c]), read(pool[groups[k]][c]), higher);
                i++;
            }
        new HeatMap("bfio bound on arrival: times worse than bfio placing from the pool", rows, columns, cost)
            .SavePng(Path.Combine(assets, "pool-vs-arrival.png"));
    }

    private static double TimesWorse(double value, double reference, bool higherIsBetter) =>
        Figures.Penalty(higherIsBetter ? Figure.Throughput : Figure.AvgImbalance, value, reference);

    private static string Row(string name, RouterFigures f) => string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {f.AvgImbalance:#,0} | {f.BarrierIdle:0.0%} | {f.Throughput:#,0} | {f.TtftP50:0.000} | {f.TtftP99:0.000} | {f.E2eP99:0.000} |");

    private static string Ratio(double value, double reference) =>
        value == reference ? "1.000" : reference == 0 ? "∞" : (value / reference).ToString("0.000", CultureInfo.InvariantCulture);

    private static string Verdict(RouterGoal goal, double load) =>
        (goal.Met ? "met" : "missed: " + string.Join("; ", goal.Misses)) + (load >= GoalFromLoad ? "" : " (load below the goal's)");

    private static string Duration(TimeSpan t) => t.TotalSeconds < 90
        ? t.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " seconds"
        : t.TotalMinutes.ToString("0.0", CultureInfo.InvariantCulture) + " minutes";

    private static string Join(IEnumerable<int> values) => string.Join(", ", values);
}
