using System.CommandLine;
using Scheduler.Cli.CommandLine;
using Scheduler.Core.Model;
using Scheduler.Core.Simulation;
using Scheduler.Core.Traces;
using Scheduler.Core.Workloads;

namespace Scheduler.Cli.Commands;

/// <summary>
/// The input options of simulate, gap and run: a request CSV or a trace (optionally sampled), and how requests
/// arrive. Each command gives its own defaults; help states them.
/// </summary>
public sealed class WorkloadOptions : IOptionGroup
{
    private readonly WorkloadDefaults _defaults;
    private readonly bool _streamRequestFile;
    private readonly InputFileOptions _files;
    private readonly bool _offeredLoad;

    /// <param name="streamRequestFile">A --requests file read whole (no --count) is streamed record by record (run).</param>
    /// <param name="offeredLoad">Take --load (the command rescales arrivals to it once it knows the cluster: <see cref="WorkloadInput.Load"/>).</param>
    public WorkloadOptions(WorkloadDefaults defaults, bool streamRequestFile = false, bool offeredLoad = false)
    {
        _offeredLoad = offeredLoad;
        _defaults = defaults;
        _streamRequestFile = streamRequestFile;
        _files = new InputFileOptions(streamRequestFile
            ? "; streamed: a malformed record is rejected with its line and reason and the run goes on"
            : "");
        Count = CliOption.OptionalInt("--count",
            "sample N requests from the input with replacement (default: use it whole" +
            (defaults.DefaultCount is { } n ? $"; {n:N0} from data/{defaults.DefaultInput} when no input is named)" : ")"),
            min: 1);
        Arrivals = CliOption.Choice("--arrivals",
            "backlog (all at t=0, reveal window 4G, the reference setting) or trace (requests arrive at their timestamps)",
            defaults.Arrivals == ArrivalMode.Backlog ? "backlog" : "trace",
            ("backlog", ArrivalMode.Backlog), ("trace", ArrivalMode.Trace));
        RateScale = CliOption.Double("--rate-scale", "trace arrivals at X times the recorded rate", defaults.RateScale, 0.0, exclusiveMin: true);
    }

    public Option<int?> Count { get; }
    public Option<int> Seed { get; } = CliOption.Int("--seed", "sampling seed", 42, helpName: "S");
    public Option<Choice<ArrivalMode>> Arrivals { get; }
    public Option<double> RateScale { get; }

    public Option<double?> Load { get; } = CliOption.OptionalDouble("--load",
        "trace arrivals rescaled to offered load ρ: the arrival rate as ρ times the cluster's capacity, the completion rate " +
        "fcfs reaches on these requests backlogged on this G, B and cost model (instead of --rate-scale)", 0.0, exclusiveMin: true, helpName: "RHO");

    public IEnumerable<Option> Options => _offeredLoad
        ? [.. _files.Options, Count, Seed, Arrivals, RateScale, Load]
        : [.. _files.Options, Count, Seed, Arrivals, RateScale];

    public WorkloadInput Read(ParseResult parse)
    {
        var (requests, trace, format) = _files.Read(parse);
        var count = parse.GetValue(Count);
        var seed = parse.GetValue(Seed);
        var arrivals = parse.GetValue(Arrivals).Value;
        var rateScale = parse.GetValue(RateScale);
        var load = _offeredLoad ? parse.GetValue(Load) : null;
        if (load is not null)
        {
            if (parse.GetResult(RateScale) is { Implicit: false })
                throw new UsageException("--load and --rate-scale both set the arrival rate; give one of them");
            if (arrivals != ArrivalMode.Trace)
                throw new UsageException("--load rescales timed arrivals; it needs --arrivals trace");
        }
        var usedDefault = requests is null && trace is null;
        if (usedDefault)
        {
            // The command's shipped default input, in the format its extension says.
            trace = DataPaths.Resolve(_defaults.DefaultInput);
            count ??= _defaults.DefaultCount;
        }
        if (_streamRequestFile && requests is not null && count is null)
        {
            if (!File.Exists(requests)) throw new UsageException($"--requests {requests}: no such file");
            return new WorkloadInput(null, arrivals, requests) { StreamedFile = requests, RateScale = rateScale, Load = load };
        }

        Workload workload;
        string description;
        if (trace is not null && SyntheticWorkloadSpec.IsSynthetic(trace))
        {
            // A generated shape: --count and --seed size and seed it (unless the spec says), rather than resample it.
            SyntheticWorkloadSpec synthetic;
            try { synthetic = SyntheticWorkloadSpec.Parse(trace, count, seed); }
            catch (ArgumentException e) { throw new UsageException($"--trace {trace}: {e.Message}"); }
            workload = synthetic.Generate();
            count = null;
            description = workload.Source;
        }
        else try
        {
            if (trace is not null)
            {
                workload = TraceReader.Read(trace, format);
                description = usedDefault ? $"data/{_defaults.DefaultInput} (default)" : trace;
            }
            else
            {
                workload = TraceReader.Read(requests!, TraceFormat.RequestCsv);
                description = requests!;
            }
        }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        if (count is { } n)
        {
            workload = TraceSampler.Sample(workload, n, seed);
            description += $", {n} sampled (seed {seed})";
        }
        if (arrivals == ArrivalMode.Backlog) workload = workload.AsBacklog();
        else if (rateScale != 1.0)
        {
            workload = TraceSampler.RescaleArrivals(workload, rateScale);
            description += $", rate ×{rateScale}";
        }
        return new WorkloadInput(workload, arrivals, description) { Load = load };
    }
}
