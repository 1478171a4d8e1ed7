using static TorchSharp.torch;

namespace Scheduler.Decode;

/// <summary>
/// One request's keys and values for every layer, [layers, 2, 1, heads, capacity, head-dim] (the 1 makes each
/// layer's keys a batch of one, the 4-d shape libtorch's fused CPU attention kernel takes); the first
/// <see cref="Length"/> positions are filled. Capacity grows by half (at least 64 positions) when a step
/// needs more, so appending a token is amortised O(1); the storage lives outside every dispose scope and
/// is freed by <see cref="Dispose"/>.
/// </summary>
internal sealed class KvCache : IDisposable
{
    private const int Granule = 64;
    private readonly DecoderConfig _config;
    private Tensor _storage;

    public KvCache(DecoderConfig config, int capacity)
    {
        _config = config;
        Capacity = RoundUp(capacity);
        _storage = Allocate(Capacity);
    }

    public int Length { get; set; }
    public int Capacity { get; private set; }

    /// <summary>Dimension of positions in <see cref="Layer"/>'s view.</summary>
    public const int PositionDim = 3;

    /// <summary>Layer <paramref name="layer"/>'s keys (index 0) and values (index 1): a view [2, 1, H, capacity, hd].</summary>
    public Tensor Layer(int layer) => _storage.select(0, layer);

    public void EnsureCapacity(int positions)
    {
        if (positions <= Capacity) return;
        var grown = RoundUp(Math.Max(positions, Capacity + Math.Max(Granule, Capacity / 2)));
        var storage = Allocate(grown);
        using (var scope = NewDisposeScope())
            storage.narrow(PositionDim + 1, 0, Length).copy_(_storage.narrow(PositionDim + 1, 0, Length));
        _storage.Dispose();
        _storage = storage;
        Capacity = grown;
    }

    /// <summary>
    /// Fills positions 0..length-1 with deterministic stand-in values instead of running a prompt: the
    /// decode steps that follow cost exactly what they would after a real prefill of that length.
    /// </summary>
    public void FillSynthetic(int length, int salt)
    {
        EnsureCapacity(length);
        using (var scope = NewDisposeScope())
        {
            var block = _storage.narrow(PositionDim + 1, 0, length);
            var values = arange(block.numel(), dtype: ScalarType.Float32).mul_(0.618034).add_(salt).sin_();
            block.copy_(values.view(block.shape));
        }
        Length = length;
    }

    private int RoundUp(int positions) => Math.Min(_config.MaxPositions, (positions + Granule - 1) / Granule * Granule);

    private Tensor Allocate(int capacity) =>
        zeros([_config.Layers, 2, 1, _config.Heads, capacity, _config.HeadDim], dtype: ScalarType.Float32).DetachFromDisposeScope();

    public void Dispose() => _storage.Dispose();
}
