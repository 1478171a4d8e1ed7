using Akka;
using Akka.Streams.Dsl;
using Scheduler.Core.CostModels;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Results;

namespace Scheduler.Runtime.Hosting;

/// <summary>Where a run's requests come from.</summary>
public abstract record RequestInput
{
    /// <summary>A workload already read and validated.</summary>
    public sealed record FromWorkload(Workload Workload) : RequestInput;

    /// <summary>Raw request records (<c>id,prompt_tokens,output_tokens,predicted_output_tokens[,arrival_s]</c>),
    /// parsed and validated in the stream; malformed ones go to the dead-letter sink.</summary>
    public sealed record FromLines(Source<string, NotUsed> Lines, string SourceName) : RequestInput;

    /// <summary>A request CSV file, streamed line by line and validated like <see cref="FromLines"/>.</summary>
    public sealed record FromFile(string Path) : RequestInput;

    /// <summary>The seeded synthetic generator.</summary>
    public sealed record FromSynthetic(SyntheticWorkload Spec) : RequestInput;

    public static RequestInput Of(Workload workload) => new FromWorkload(workload);

    public static RequestInput OfLines(IEnumerable<string> lines, string sourceName) =>
        new FromLines(Source.From(lines), sourceName);

    public string Describe() => this switch
    {
        FromWorkload w => w.Workload.Source,
        FromLines l => l.SourceName,
        FromFile f => f.Path,
        FromSynthetic s => s.Spec.Describe(),
        _ => GetType().Name,
    };
}

/// <summary>
/// One run of the actor runtime: the input, how requests arrive (backlogged, or at their timestamps on a
/// virtual clock), the cluster, the placement policy (a fresh instance: policies keep state per run), the
/// step cost model (reference linear for the batch size unless given), the decode engine, configuration
/// and where completed requests are written.
/// </summary>
public sealed record RuntimeRunRequest
{
    public required RequestInput Input { get; init; }
    public required ClusterShape Shape { get; init; }
    public required IPlacementPolicy Policy { get; init; }
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

    /// <summary>Write every completed request here (CSV, or JSON lines for .jsonl/.ndjson/.json).</summary>
    public string? ResultsPath { get; init; }

    /// <summary>Overrides the format the results path's extension implies.</summary>
    public ResultFormat? ResultsFormat { get; init; }

    public IStepCostModel EffectiveCostModel => CostModel ?? ReferenceLinearCost.ForBatch(Shape.BatchSize);
}
