using Scheduler.Core.CostModels;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Routing;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Ingestion.Sources;
using Scheduler.Runtime.Results;

namespace Scheduler.Runtime.Hosting;

/// <summary>Where a replay's requests come from.</summary>
public abstract record RequestInput
{
    /// <summary>A workload already read and validated.</summary>
    public sealed record FromWorkload(Workload Workload) : RequestInput;

    /// <summary>Raw records (JSON lines, or a request CSV with its header), parsed and validated in the stream;
    /// malformed ones are rejected by line.</summary>
    public sealed record FromLines(IEnumerable<string> Lines, string SourceName) : RequestInput;

    /// <summary>A file of records, streamed line by line and validated like <see cref="FromLines"/>.</summary>
    public sealed record FromFile(string Path) : RequestInput;

    /// <summary>The seeded synthetic generator (virtual arrivals).</summary>
    public sealed record FromSynthetic(SyntheticWorkload Spec) : RequestInput;

    /// <summary>Any source.</summary>
    public sealed record FromSource(IRequestSource Source) : RequestInput;

    public static RequestInput Of(Workload workload) => new FromWorkload(workload);

    public static RequestInput OfLines(IEnumerable<string> lines, string sourceName) => new FromLines(lines, sourceName);

    public IRequestSource ToSource() => this switch
    {
        FromWorkload w => new WorkloadRequestSource(w.Workload),
        FromLines l => new LinesRequestSource(l.Lines, l.SourceName),
        FromFile f => new FileRequestSource(f.Path),
        FromSynthetic s => new WorkloadRequestSource(s.Spec.ToWorkload()),
        FromSource s => s.Source,
        _ => throw new ArgumentException($"unknown input {GetType().Name}"),
    };

    public string Describe() => this switch
    {
        FromWorkload w => w.Workload.Source,
        FromLines l => l.SourceName,
        FromFile f => f.Path,
        FromSynthetic s => s.Spec.Describe(),
        FromSource s => s.Source.Name,
        _ => GetType().Name,
    };
}

/// <summary>
/// One replay on the actor runtime: the input, how requests arrive (backlogged, or at their timestamps on a
/// virtual clock), the cluster, the placement policy (a fresh instance: policies keep state per run), the
/// step cost model (reference linear for the batch size unless given), the decode engine, configuration
/// and where results are written.
/// </summary>
public sealed record RuntimeRunRequest
{
    public required RequestInput Input { get; init; }
    public required ClusterShape Shape { get; init; }
    /// <summary>The placement policy (pool binding); null when <see cref="Router"/> binds on arrival. Exactly one is set.</summary>
    public IPlacementPolicy? Policy { get; init; }

    /// <summary>The arrival router (arrival binding: each request waits in its rank's queue); null for a pool policy.</summary>
    public IArrivalRouter? Router { get; init; }
    public ArrivalMode Arrivals { get; init; } = ArrivalMode.Backlog;

    /// <summary>Timestamps are divided by this (2 = twice the request rate). Trace replay only changes pace.</summary>
    public double RateScale { get; init; } = 1.0;

    public IStepCostModel? CostModel { get; init; }

    /// <summary>The engine by name: <c>cost-model</c> (built in) or <c>torch</c> (needs <see cref="EngineFactory"/>).</summary>
    public string Engine { get; init; } = DecodeEngines.CostModelKind;

    /// <summary>An engine from outside this assembly (the TorchSharp engine); overrides <see cref="Engine"/>'s built-in.</summary>
    public IDecodeEngineFactory? EngineFactory { get; init; }

    /// <summary>A HOCON file whose keys override config/scheduler.conf.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>HOCON text applied over everything else (tests: e.g. a short step timeout).</summary>
    public string? ConfigOverrides { get; init; }

    /// <summary>Write every request's result here (JSON lines, or CSV for .csv).</summary>
    public string? ResultsPath { get; init; }

    /// <summary>Overrides the format the results path's extension implies.</summary>
    public ResultFormat? ResultsFormat { get; init; }

    public IStepCostModel EffectiveCostModel => CostModel ?? ReferenceLinearCost.ForBatch(Shape.BatchSize);
}
