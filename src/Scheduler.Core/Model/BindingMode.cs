namespace Scheduler.Core.Model;

/// <summary>When a request is tied to a rank.</summary>
public enum BindingMode
{
    /// <summary>The paper's central pool: requests wait in one queue and a placement policy admits them into any
    /// rank's free slots at a step boundary (the reference setting).</summary>
    Pool,

    /// <summary>Bind on arrival, as vLLM, SGLang and TensorRT-LLM route: a router picks a rank when the request
    /// arrives, and it waits in that rank's own FIFO queue until a slot frees there.</summary>
    Arrival,
}
