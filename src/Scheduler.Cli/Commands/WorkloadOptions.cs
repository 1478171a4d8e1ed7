using Scheduler.Cli.CommandLine;
using Scheduler.Core.Model;
using Scheduler.Core.Simulation;
using Scheduler.Core.Traces;

namespace Scheduler.Cli.Commands;

/// <summary>What a command reads when the user names no input, and its default arrival mode.</summary>
public sealed record WorkloadDefaults(string DefaultInput, int? DefaultCount, ArrivalMode Arrivals, double RateScale)
{
    /// <summary>simulate: the reference's burst fixture, backlogged.</summary>
    public static WorkloadDefaults Reference { get; } = new(DataPaths.DefaultRequests, null, ArrivalMode.Backlog, 1.0);
}

/// <summary>The input options shared by simulate and run: a request CSV or a trace (optionally sampled),
/// and how requests arrive.</summary>
public sealed record WorkloadOptions(Workload? Workload, ArrivalMode Arrivals, string Description)
{
    /// <summary>A request CSV to stream record by record (the runtime validates each in its ingestion graph,
    /// so a malformed record is dead-lettered instead of failing the whole input); null when
    /// <see cref="Workload"/> holds the input.</summary>
    public string? StreamedFile { get; init; }

    /// <summary>Timestamps are divided by this (applied to <see cref="Workload"/> already; the runtime applies it to a streamed file).</summary>
    public double RateScale { get; init; } = 1.0;

    public const string Help = """
          --requests FILE        request CSV (id,prompt_tokens,output_tokens,predicted_output_tokens[,arrival_s])
          --trace FILE           a trace: Azure CSV, reference JSON, Mooncake JSONL or request CSV (format detected)
          --trace-format NAME    force the trace format: azure, reference-json, mooncake, requests
          --count N              sample N requests from the trace with replacement (default: use it whole)
          --seed S               sampling seed (default 42)
          --arrivals MODE        backlog (all at t=0, reveal window 4G, the reference setting) or trace
                                 (requests arrive at their timestamps) (default backlog)
          --rate-scale X         trace arrivals at X times the recorded rate (default 1)
        """;

    public static WorkloadOptions Read(ArgumentReader args, WorkloadDefaults defaults, bool streamRequestFile = false)
    {
        var requests = args.String("requests");
        var trace = args.String("trace");
        var formatName = args.String("trace-format");
        var count = args.OptionalInt("count", min: 1);
        var seed = args.Int("seed", 42);
        var arrivals = args.Choice("arrivals", defaults.Arrivals, ("backlog", ArrivalMode.Backlog), ("trace", ArrivalMode.Trace));
        var rateScale = args.Double("rate-scale", defaults.RateScale, 0.0, exclusiveMin: true);
        var usedDefault = requests is null && trace is null;
        if (usedDefault)
        {
            // The command's shipped default input, in the format its extension says.
            trace = DataPaths.Resolve(defaults.DefaultInput);
            count ??= defaults.DefaultCount;
        }
        if (requests is not null && trace is not null) throw new UsageException("give either --requests or --trace, not both");
        if (streamRequestFile && requests is not null && count is null)
        {
            if (formatName is not null) throw new UsageException("--trace-format applies to --trace only");
            if (!File.Exists(requests)) throw new UsageException($"--requests {requests}: no such file");
            return new WorkloadOptions(null, arrivals, requests) { StreamedFile = requests, RateScale = rateScale };
        }

        Workload workload;
        string description;
        try
        {
            if (trace is not null)
            {
                var format = formatName is null ? (TraceFormat?)null : TraceReader.Parse(formatName);
                workload = TraceReader.Read(trace, format);
                description = usedDefault ? $"data/{defaults.DefaultInput} (default)" : trace;
            }
            else
            {
                if (formatName is not null) throw new UsageException("--trace-format applies to --trace only");
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
        return new WorkloadOptions(workload, arrivals, description);
    }
}
