using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Scheduler.Decode;

/// <summary>
/// A decoder-only transformer's weights and its three forward passes: prefill of a prompt into a KV cache,
/// one batched decode step over many requests of different lengths (ragged: each request attends over its
/// own cache, nothing is padded), and a cache-free full recomputation, the reference the cached paths must
/// match. Weights are plain tensors without gradients. Read-only after construction, so one model may serve
/// several engines, also on different threads.
/// </summary>
public sealed class DecoderModel : IDisposable
{
    private const string FileMagic = "SCHDDEC1";
    private const int PrefillChunk = 256;

    private readonly Tensor _tokenEmbedding;   // [V, D], also the output head (tied)
    private readonly Tensor _positionEmbedding; // [P, D]
    private readonly Block[] _blocks;
    private readonly Tensor _finalNormWeight, _finalNormBias;
    private readonly long[] _widthShape;
    private readonly double _outputScale;
    private bool _disposed;

    private sealed record Block(
        Tensor Norm1Weight, Tensor Norm1Bias, Tensor QkvWeight, Tensor QkvBias, Tensor OutWeight, Tensor OutBias,
        Tensor Norm2Weight, Tensor Norm2Bias, Tensor UpWeight, Tensor UpBias, Tensor DownWeight, Tensor DownBias)
    {
        public IEnumerable<Tensor> All => [Norm1Weight, Norm1Bias, QkvWeight, QkvBias, OutWeight, OutBias,
            Norm2Weight, Norm2Bias, UpWeight, UpBias, DownWeight, DownBias];
    }

    public DecoderConfig Config { get; }

    private DecoderModel(DecoderConfig config, IReadOnlyList<Tensor> tensors)
    {
        TorchSetup.EnsureInitialised();
        Config = config;
        _tokenEmbedding = tensors[0];
        _positionEmbedding = tensors[1];
        _blocks = new Block[config.Layers];
        for (var l = 0; l < config.Layers; l++)
        {
            var t = tensors.Skip(2 + 12 * l).Take(12).ToArray();
            _blocks[l] = new Block(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11]);
        }
        _finalNormWeight = tensors[^2];
        _finalNormBias = tensors[^1];
        _widthShape = [config.Width];
        _outputScale = 1.0 / Math.Sqrt(config.Width);
    }

    /// <summary>Tensor names and shapes in file order, as the config implies them.</summary>
    private static List<(string Name, long[] Shape)> Layout(DecoderConfig c)
    {
        long d = c.Width;
        var layout = new List<(string, long[])> { ("token-embedding", [c.Vocab, d]), ("position-embedding", [c.MaxPositions, d]) };
        for (var l = 0; l < c.Layers; l++)
        {
            layout.Add(($"block{l}.norm1.weight", [d]));
            layout.Add(($"block{l}.norm1.bias", [d]));
            layout.Add(($"block{l}.qkv.weight", [d, 3 * d]));
            layout.Add(($"block{l}.qkv.bias", [3 * d]));
            layout.Add(($"block{l}.out.weight", [d, d]));
            layout.Add(($"block{l}.out.bias", [d]));
            layout.Add(($"block{l}.norm2.weight", [d]));
            layout.Add(($"block{l}.norm2.bias", [d]));
            layout.Add(($"block{l}.up.weight", [d, 4 * d]));
            layout.Add(($"block{l}.up.bias", [4 * d]));
            layout.Add(($"block{l}.down.weight", [4 * d, d]));
            layout.Add(($"block{l}.down.bias", [d]));
        }
        layout.Add(("final-norm.weight", [d]));
        layout.Add(("final-norm.bias", [d]));
        return layout;
    }

    private IEnumerable<Tensor> AllTensors =>
        new[] { _tokenEmbedding, _positionEmbedding }.Concat(_blocks.SelectMany(b => b.All)).Concat([_finalNormWeight, _finalNormBias]);

    /// <summary>
    /// Weights drawn from <paramref name="seed"/> alone (SplitMix64, independent of libtorch's generators):
    /// embeddings of unit scale, matrices scaled 1/√fan-in so attention is sharp enough that a misplaced
    /// cache entry changes the logits, norms near identity, small biases.
    /// </summary>
    public static DecoderModel Create(DecoderConfig config, long seed)
    {
        config.Validate();
        var tensors = new List<Tensor>();
        var stream = 0;
        foreach (var (name, shape) in Layout(config))
        {
            var count = shape.Aggregate(1L, (a, b) => a * b);
            var random = DeterministicRandom.For(seed, stream++);
            var values = new float[count];
            var isNorm = name.Contains("norm", StringComparison.Ordinal);
            var isBias = name.EndsWith(".bias", StringComparison.Ordinal);
            // Uniform on ±√3·σ has standard deviation σ.
            var scale = name.Contains("embedding", StringComparison.Ordinal) ? MathF.Sqrt(3f)
                : isBias ? 0.1f
                : isNorm ? 0.1f
                : MathF.Sqrt(3f / shape[0]);
            for (var i = 0; i < values.Length; i++)
                values[i] = (isNorm && !isBias ? 1f : 0f) + scale * random.NextSigned();
            tensors.Add(tensor(values, shape));
        }
        return new DecoderModel(config, tensors);
    }

    /// <summary>Writes the config and every weight (float32, little-endian) to <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        using var writer = new BinaryWriter(File.Create(path), Encoding.UTF8);
        writer.Write(Encoding.ASCII.GetBytes(FileMagic));
        writer.Write(Config.Layers);
        writer.Write(Config.Width);
        writer.Write(Config.Heads);
        writer.Write(Config.Vocab);
        writer.Write(Config.MaxPositions);
        var layout = Layout(Config);
        writer.Write(layout.Count);
        foreach (var ((name, shape), t) in layout.Zip(AllTensors))
        {
            writer.Write(name);
            writer.Write(shape.Length);
            foreach (var dim in shape) writer.Write(dim);
            writer.Write(t.bytes);
        }
    }

    /// <summary>Reads a file <see cref="Save"/> wrote; throws <see cref="InvalidDataException"/> naming the file on any mismatch.</summary>
    public static DecoderModel Load(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        InvalidDataException Bad(string what) => new($"{path}: {what}");
        if (Encoding.ASCII.GetString(reader.ReadBytes(FileMagic.Length)) != FileMagic) throw Bad("not a Scheduler decoder weights file");
        DecoderConfig config;
        try
        {
            config = new DecoderConfig(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32()).Validate();
        }
        catch (ArgumentException e)
        {
            throw Bad(e.Message);
        }
        var layout = Layout(config);
        if (reader.ReadInt32() != layout.Count) throw Bad($"tensor count does not match {config}");
        var tensors = new List<Tensor>();
        try
        {
            foreach (var (name, shape) in layout)
            {
                var fileName = reader.ReadString();
                var rank = reader.ReadInt32();
                var fileShape = Enumerable.Range(0, rank).Select(_ => reader.ReadInt64()).ToArray();
                if (fileName != name || !fileShape.SequenceEqual(shape))
                    throw Bad($"expected {name} [{string.Join(", ", shape)}], found {fileName} [{string.Join(", ", fileShape)}]");
                var count = checked((int)shape.Aggregate(1L, (a, b) => a * b));
                var values = new float[count];
                var bytes = MemoryMarshal.AsBytes(values.AsSpan());
                if (reader.Read(bytes) != bytes.Length) throw Bad($"{name} is truncated");
                tensors.Add(tensor(values, shape));
            }
        }
        catch (EndOfStreamException)
        {
            foreach (var t in tensors) t.Dispose();
            throw Bad("truncated");
        }
        catch
        {
            foreach (var t in tensors) t.Dispose();
            throw;
        }
        return new DecoderModel(config, tensors);
    }

    /// <summary>
    /// Logits for the token after <paramref name="tokens"/>, recomputing the whole sequence with causal
    /// attention and no cache: the reference for the cached paths.
    /// </summary>
    public float[] NextTokenLogits(ReadOnlySpan<int> tokens)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckLength(tokens.Length);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var s = tokens.Length;
        var x = Embed(tokens, 0);
        foreach (var b in _blocks)
        {
            var qkv = QkvHeads(b, x, s); // [3, 1, H, s, hd]
            var attended = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_casual: true);
            x = Finish(b, x, Merge(attended, s));
        }
        return Logits(x.narrow(0, s - 1, 1)).data<float>().ToArray();
    }

    /// <summary>Runs the prompt through the model in chunks, filling <paramref name="cache"/>; returns the last position's logits [V].</summary>
    internal Tensor Prefill(ReadOnlySpan<int> prompt, KvCache cache)
    {
        CheckLength(prompt.Length);
        cache.EnsureCapacity(prompt.Length);
        Tensor? last = null;
        for (var start = 0; start < prompt.Length; start += PrefillChunk)
        {
            var c = Math.Min(PrefillChunk, prompt.Length - start);
            var end = start + c;
            var x = Embed(prompt.Slice(start, c), start);
            // Query i (position start+i) sees keys 0..start+i.
            var mask = start == 0 ? null : ones(c, end, dtype: ScalarType.Bool).tril(start);
            for (var l = 0; l < _blocks.Length; l++)
            {
                var b = _blocks[l];
                var qkv = QkvHeads(b, x, c); // [3, 1, H, c, hd]
                var layer = cache.Layer(l); // [2, 1, H, capacity, hd]
                layer.narrow(KvCache.PositionDim, start, c).copy_(qkv.narrow(0, 1, 2));
                var kv = layer.narrow(KvCache.PositionDim, 0, end);
                var attended = mask is null
                    ? F.scaled_dot_product_attention(qkv[0], kv[0], kv[1], is_casual: true)
                    : F.scaled_dot_product_attention(qkv[0], kv[0], kv[1], attn_mask: mask);
                x = Finish(b, x, Merge(attended, c));
            }
            last = x.narrow(0, c - 1, 1);
        }
        cache.Length = prompt.Length;
        return Logits(last!).squeeze(0);
    }

    /// <summary>
    /// One decode step for every sequence: feeds <paramref name="inputs"/>[i] at position caches[i].Length,
    /// appends its key and value to that cache (the caller advances Length) and returns logits [n, V].
    /// Linear layers run batched over all n; attention runs per sequence over its own cache length.
    /// </summary>
    internal Tensor DecodeStep(ReadOnlySpan<int> inputs, ReadOnlySpan<KvCache> caches)
    {
        var n = inputs.Length;
        var ids = new long[n];
        var positions = new long[n];
        for (var i = 0; i < n; i++)
        {
            ids[i] = inputs[i];
            positions[i] = caches[i].Length;
            CheckLength(caches[i].Length + 1);
            caches[i].EnsureCapacity(caches[i].Length + 1);
        }
        var x = _tokenEmbedding.index_select(0, tensor(ids)).add_(_positionEmbedding.index_select(0, tensor(positions)));
        var heads = Config.Heads;
        var headDim = Config.HeadDim;
        var outputs = new Tensor[n];
        for (var l = 0; l < _blocks.Length; l++)
        {
            var b = _blocks[l];
            var h = F.layer_norm(x, _widthShape, b.Norm1Weight, b.Norm1Bias);
            var qkv = b.QkvBias.addmm(h, b.QkvWeight).view(n, 3, 1, heads, headDim);
            for (var i = 0; i < n; i++)
            {
                var row = qkv[i]; // [3, 1, H, hd]
                var length = caches[i].Length;
                var layer = caches[i].Layer(l); // [2, 1, H, capacity, hd]
                layer.select(KvCache.PositionDim, length).copy_(row.narrow(0, 1, 2));
                var kv = layer.narrow(KvCache.PositionDim, 0, length + 1);
                outputs[i] = F.scaled_dot_product_attention(row[0].unsqueeze(2), kv[0], kv[1]); // [1, H, 1, hd]
            }
            x = Finish(b, x, Merge(cat(outputs, 2), n));
        }
        return Logits(x);
    }

    private void CheckLength(int length)
    {
        if (length < 1) throw new ArgumentException("a sequence needs at least one token");
        if (length > Config.MaxPositions)
            throw new InvalidOperationException($"sequence of {length} tokens exceeds the model's {Config.MaxPositions} positions");
    }

    private Tensor Embed(ReadOnlySpan<int> tokens, int firstPosition)
    {
        var ids = new long[tokens.Length];
        for (var i = 0; i < ids.Length; i++) ids[i] = tokens[i];
        return _tokenEmbedding.index_select(0, tensor(ids)).add_(_positionEmbedding.narrow(0, firstPosition, tokens.Length));
    }

    /// <summary>[s, D] → queries, keys, values as [3, 1, H, s, hd] (4-d per part: libtorch's fused CPU attention
    /// takes only batched input and is about twice as fast as its 3-d fallback, measured here).</summary>
    private Tensor QkvHeads(Block b, Tensor x, int s)
    {
        var h = F.layer_norm(x, _widthShape, b.Norm1Weight, b.Norm1Bias);
        return b.QkvBias.addmm(h, b.QkvWeight).view(s, 3, 1, Config.Heads, Config.HeadDim).permute(1, 2, 3, 0, 4);
    }

    /// <summary>Attention output [1, H, s, hd] → [s, D].</summary>
    private Tensor Merge(Tensor attended, int s) => attended.permute(0, 2, 1, 3).reshape(s, Config.Width);

    /// <summary>Attention output projection and the MLP, both residual.</summary>
    private Tensor Finish(Block b, Tensor x, Tensor attended)
    {
        x = x.add(b.OutBias.addmm(attended, b.OutWeight));
        var h = F.layer_norm(x, _widthShape, b.Norm2Weight, b.Norm2Bias);
        var up = F.gelu(b.UpBias.addmm(h, b.UpWeight));
        return x.add_(b.DownBias.addmm(up, b.DownWeight));
    }

    private Tensor Logits(Tensor x) =>
        F.layer_norm(x, _widthShape, _finalNormWeight, _finalNormBias).matmul(_tokenEmbedding.t()).mul_(_outputScale);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in AllTensors) t.Dispose();
    }
}
