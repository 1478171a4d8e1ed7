namespace Scheduler.Core.Traces;

/// <summary>The request-trace file formats the project reads (SPEC §5).</summary>
public enum TraceFormat
{
    /// <summary>Azure LLM inference trace: <c>TIMESTAMP,ContextTokens,GeneratedTokens</c>.</summary>
    AzureCsv,

    /// <summary>The paper simulator's <c>{"data": [{"input_length": s, "output_length": o}, ...]}</c>.</summary>
    ReferenceJson,

    /// <summary>Mooncake JSONL: one <c>{"timestamp": ms, "input_length": s, "output_length": o}</c> per line.</summary>
    MooncakeJsonl,

    /// <summary>The fixtures' <c>id,prompt_tokens,output_tokens,predicted_output_tokens[,arrival_s]</c>.</summary>
    RequestCsv,
}
