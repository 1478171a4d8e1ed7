using Scheduler.Cli.Engines;
using Scheduler.Decode;
using Scheduler.Runtime.Engines;

namespace Scheduler.Cli.Commands;

/// <summary>Decode engines that live outside the runtime assembly.</summary>
public static class EngineFactories
{
    /// <summary>
    /// Real decode. Prompts are synthetic-prefilled by default: in disaggregated serving the KV cache arrives
    /// from the prefill tier, and the decode ranks' step time is what the barrier sees.
    /// </summary>
    public static IDecodeEngineFactory Torch(PrefillMode prefill) =>
        new TorchRankEngineFactory(TorchDecodeOptions.Default with { Prefill = prefill });
}
