namespace Scheduler.Decode;

/// <summary>
/// Shape of the decoder-only transformer: <see cref="Layers"/> pre-norm blocks of <see cref="Heads"/>-head
/// attention and a 4× GELU MLP over <see cref="Width"/> channels, learned positions up to
/// <see cref="MaxPositions"/>, and an output head tied to the <see cref="Vocab"/>-row token embedding.
/// </summary>
public sealed record DecoderConfig(int Layers, int Width, int Heads, int Vocab, int MaxPositions)
{
    /// <summary>Small enough to decode a rank of 16 requests at a few ms per step on one core; positions cover the Azure conversation trace (longest prompt 14,050).</summary>
    public static DecoderConfig Default { get; } = new(Layers: 2, Width: 128, Heads: 4, Vocab: 2048, MaxPositions: 16384);

    /// <summary>For tests: a handful of parameters, still every code path.</summary>
    public static DecoderConfig Tiny { get; } = new(Layers: 2, Width: 32, Heads: 4, Vocab: 97, MaxPositions: 512);

    public int HeadDim => Width / Heads;

    public DecoderConfig WithLayers(int layers) => this with { Layers = layers };
    public DecoderConfig WithWidth(int width, int heads) => this with { Width = width, Heads = heads };
    public DecoderConfig WithVocab(int vocab) => this with { Vocab = vocab };
    public DecoderConfig WithMaxPositions(int maxPositions) => this with { MaxPositions = maxPositions };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad field.</summary>
    public DecoderConfig Validate()
    {
        if (Layers < 1) throw new ArgumentException($"layers must be at least 1, got {Layers}");
        if (Heads < 1) throw new ArgumentException($"heads must be at least 1, got {Heads}");
        if (Width < 1 || Width % Heads != 0) throw new ArgumentException($"width {Width} must be a positive multiple of heads {Heads}");
        if (Vocab < 2) throw new ArgumentException($"vocab must be at least 2, got {Vocab}");
        if (MaxPositions < 2) throw new ArgumentException($"max positions must be at least 2, got {MaxPositions}");
        return this;
    }

    public override string ToString() =>
        $"layers={Layers} width={Width} heads={Heads} vocab={Vocab} max-positions={MaxPositions}";
}
