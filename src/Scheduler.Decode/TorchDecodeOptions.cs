namespace Scheduler.Decode;

/// <summary>How admission fills a new request's KV cache.</summary>
public enum PrefillMode
{
    /// <summary>Run the prompt through the model (chunked causal attention): real keys, values and first token.</summary>
    Compute,

    /// <summary>
    /// Fill the cache with deterministic stand-in values of the prompt's length without computing them, and take
    /// the prompt's last token as the first input. Decode steps afterwards cost the same as after a real prefill;
    /// use it when only step time matters (long prompts cost ~30 µs per token to prefill here).
    /// </summary>
    Synthetic,
}

/// <summary>Settings of one <see cref="TorchDecodeEngine"/>; immutable, copied with the <c>WithX</c> methods.</summary>
public sealed record TorchDecodeOptions
{
    public static TorchDecodeOptions Default { get; } = new();

    /// <summary>The model's shape, when the engine makes its own model.</summary>
    public DecoderConfig Model { get; init; } = DecoderConfig.Default;

    /// <summary>Seed of the model's weights, when the engine makes its own model and no <see cref="WeightsPath"/> is given.</summary>
    public long WeightSeed { get; init; } = 1;

    /// <summary>A weights file written by <see cref="DecoderModel.Save"/>; its config replaces <see cref="Model"/>.</summary>
    public string? WeightsPath { get; init; }

    /// <summary>Seed of the prompt generator: request i's prompt depends on (this, i, length) only.</summary>
    public long PromptSeed { get; init; } = 7;

    public PrefillMode Prefill { get; init; } = PrefillMode.Compute;

    public TorchDecodeOptions WithModel(DecoderConfig model) => this with { Model = model };
    public TorchDecodeOptions WithWeightSeed(long seed) => this with { WeightSeed = seed };
    public TorchDecodeOptions WithWeightsPath(string? path) => this with { WeightsPath = path };
    public TorchDecodeOptions WithPromptSeed(long seed) => this with { PromptSeed = seed };
    public TorchDecodeOptions WithPrefill(PrefillMode prefill) => this with { Prefill = prefill };

    /// <summary>The model these options describe: loaded from <see cref="WeightsPath"/> or drawn from <see cref="WeightSeed"/>.</summary>
    public DecoderModel CreateModel() =>
        WeightsPath is null ? DecoderModel.Create(Model, WeightSeed) : DecoderModel.Load(WeightsPath);
}
