using System.CommandLine;
using System.Globalization;
using Scheduler.Cli.CommandLine;
using Scheduler.Core.Model;
using Scheduler.Core.Traces;
using Scheduler.Core.Workloads;

namespace Scheduler.Cli.Commands;

/// <summary><c>scheduler workload</c>: writes a generated workload of a named shape as a request CSV.</summary>
public sealed class WorkloadCommand : SchedulerCommand
{
    private readonly Option<Choice<WorkloadShape>> _shape = CliOption.Choice("--shape", "the workload shape",
        ShapeCatalog.Chat.Name, ShapeCatalog.All.Select(s => (s.Name, s)).ToArray());
    private readonly Option<int> _count = CliOption.Int("--count", "requests to generate", SyntheticWorkloadSpec.DefaultCount, 1);
    private readonly Option<int> _seed = CliOption.Int("--seed", "generator seed", 42, helpName: "S");
    private readonly Option<double> _rate = CliOption.Double("--rate",
        "mean arrival rate in requests per second (timestamps in arrival_s); 0 = backlogged, every request at t=0", 0.0, 0.0, helpName: "R");
    private readonly Option<string> _out = CliOption.Text("--out", "the request CSV to write (default: stdout)", helpName: "FILE");
    private readonly Option<bool> _quiet = OutputOptions.Quiet();

    public WorkloadCommand() : base("workload", "generate a workload of a named shape as a request CSV")
    {
        Options.Add(_shape);
        Options.Add(_count);
        Options.Add(_seed);
        Options.Add(_rate);
        Options.Add(_out);
        Options.Add(_quiet);
    }

    public override string HelpNotes => $"""
        The same workloads come from --trace synthetic:shape=NAME[;count=N;seed=S;rate=R] in simulate, run and compare.
        Lengths are truncated (redrawn) to their bounds; predicted_output_tokens is the true output (the oracle).
        docs/workload-shapes.md has each shape's generated statistics.

        Shapes:
        {string.Join(Environment.NewLine, ShapeCatalog.All.Select(Describe))}
        """;

    private static string Describe(WorkloadShape shape) =>
        $"  {shape.Name,-16} {shape.Summary}{(shape.ArrivalCv != 1.0 ? string.Create(CultureInfo.InvariantCulture, $"; arrival gaps CV {shape.ArrivalCv}") : "")}" +
        string.Concat(shape.DescribeComponents().Select(line => $"{Environment.NewLine}  {"",-16}   {line}")) +
        $"{Environment.NewLine}  {"",-16}   from: {shape.Basis}";

    public override int Execute(ParseResult parse, CliConsole console)
    {
        var shape = parse.GetValue(_shape).Value;
        var workload = ShapeGenerator.Generate(shape, parse.GetValue(_count), parse.GetValue(_seed), parse.GetValue(_rate));
        var path = parse.GetValue(_out);
        if (path is null) RequestCsvWriter.Write(workload, console.Out);
        else
        {
            try
            {
                if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
                RequestCsvWriter.Write(workload, path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"--out {path}: {e.Message}"); }
        }
        if (!parse.GetValue(_quiet))
        {
            console.Error.WriteLine($"{workload.Source}: {workload.Count:N0} requests{(path is null ? "" : $" → {path}")}");
            console.Error.WriteLine($"  prompt tokens: {Statistics(workload, r => r.PromptTokens)}");
            console.Error.WriteLine($"  output tokens: {Statistics(workload, r => r.OutputTokens)}");
        }
        return 0;
    }

    /// <summary>min, p50, mean, p90, p99, max of one length, as docs/workload-shapes.md reports them.</summary>
    public static string Statistics(Workload workload, Func<Request, int> length)
    {
        var values = workload.Requests.Select(length).Order().ToArray();
        int At(double q) => values[(int)(q * (values.Length - 1))];
        return string.Create(CultureInfo.InvariantCulture,
            $"min {values[0]:N0}, p50 {At(0.5):N0}, mean {values.Average():N0}, p90 {At(0.9):N0}, p99 {At(0.99):N0}, max {values[^1]:N0}");
    }
}
