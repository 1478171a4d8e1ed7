using Scheduler.Cli.CommandLine;
using Scheduler.Core.Model;
using Scheduler.Core.Simulation;
using Scheduler.Core.Traces;

namespace Scheduler.Cli.Commands;

/// <summary>The input options shared by simulate and run: a request CSV or a trace (optionally sampled),
/// and how requests arrive.</summary>
public sealed record WorkloadOptions(Workload Workload, ArrivalMode Arrivals, string Description)
{
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

    public static WorkloadOptions Read(ArgumentReader args, string defaultRequests)
    {
        var requests = args.String("requests");
        var trace = args.String("trace");
        var formatName = args.String("trace-format");
        var count = args.OptionalInt("count", min: 1);
        var seed = args.Int("seed", 42);
        var arrivals = args.Choice("arrivals", ArrivalMode.Backlog, ("backlog", ArrivalMode.Backlog), ("trace", ArrivalMode.Trace));
        var rateScale = args.Double("rate-scale", 1.0, 0.0, exclusiveMin: true);
        if (requests is not null && trace is not null) throw new UsageException("give either --requests or --trace, not both");

        Workload workload;
        string description;
        try
        {
            if (trace is not null)
            {
                var format = formatName is null ? (TraceFormat?)null : TraceReader.Parse(formatName);
                workload = TraceReader.Read(trace, format);
                description = trace;
            }
            else
            {
                if (formatName is not null) throw new UsageException("--trace-format applies to --trace only");
                var path = requests ?? DataPaths.Resolve(defaultRequests);
                workload = TraceReader.Read(path, TraceFormat.RequestCsv);
                description = requests ?? $"data/{defaultRequests} (default)";
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
