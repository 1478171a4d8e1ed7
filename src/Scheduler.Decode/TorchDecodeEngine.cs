using System.Collections.Immutable;
using System.Diagnostics;
using static TorchSharp.torch;

namespace Scheduler.Decode;

/// <summary>One generated token (named apart from the runtime's own token record, which adapters convert to).</summary>
public readonly record struct DecodedToken(long RequestId, int TokenId);

/// <summary>What admission did: the prefill's measured seconds (not part of any step) and the first token (greedy from
/// the prompt's logits; the prompt's last token under <see cref="PrefillMode.Synthetic"/>).</summary>
public readonly record struct AdmitResult(double PrefillSeconds, int FirstToken);

/// <summary>
/// One decode step: <see cref="ComputeSeconds"/>, wall time by Stopwatch around the step's own work (the batched
/// forward pass, cache growth and reading the tokens back); <see cref="CpuSeconds"/>, the calling thread's CPU
/// time over the same span (NaN off Linux), which leaves out time the thread was descheduled, so it stays honest
/// when ranks or other processes share the cores; the batch it ran on (<see cref="ActiveRequests"/> requests
/// holding <see cref="KvTokensBefore"/> cached tokens before the step, the load a cost model is asked about); and
/// one token per request in batch order.
/// </summary>
public sealed record StepResult(
    double ComputeSeconds, double CpuSeconds, int ActiveRequests, long KvTokensBefore, ImmutableArray<DecodedToken> Tokens)
{
    public static StepResult Empty { get; } = new(0, 0, 0, 0, ImmutableArray<DecodedToken>.Empty);
}

/// <summary>
/// A rank's real decoder, for callers that know nothing of TorchSharp: requests are admitted with a prompt
/// length (the prompt comes from <see cref="PromptGenerator"/>; admission prefills it and picks the first token
/// greedily), every <see cref="Step"/> feeds each active request its last token, appends one position to its KV
/// cache and picks the next token greedily, and <see cref="Release"/> frees a request's cache. After k steps a
/// request holds prompt + k cached tokens, so <see cref="KvTokens"/> is the rank load Σ(s_i + gen_i) of the spec.
/// Finishing is the caller's business: the engine decodes until released.
/// Not thread-safe: one caller at a time (any thread). Every step runs in its own dispose scope, so only the
/// caches outlive it.
/// </summary>
public sealed class TorchDecodeEngine : IDisposable
{
    private readonly List<Sequence> _active = [];
    private readonly bool _ownsModel;
    private readonly TorchDecodeOptions _options;
    private long _kvTokens;
    private bool _disposed;

    private sealed class Sequence(long id, KvCache cache, List<int> tokens)
    {
        public long Id { get; } = id;
        public KvCache Cache { get; } = cache;
        /// <summary>Prompt then every generated token; the last one is the next step's input.</summary>
        public List<int> Tokens { get; } = tokens;
    }

    /// <summary>An engine with its own model, made from <paramref name="options"/>.</summary>
    public TorchDecodeEngine(TorchDecodeOptions? options = null)
        : this((options ?? TorchDecodeOptions.Default).CreateModel(), options, ownsModel: true)
    {
    }

    /// <summary>An engine on a shared <paramref name="model"/>, which the caller disposes after the engine.</summary>
    public TorchDecodeEngine(DecoderModel model, TorchDecodeOptions? options = null)
        : this(model, options, ownsModel: false)
    {
    }

    private TorchDecodeEngine(DecoderModel model, TorchDecodeOptions? options, bool ownsModel)
    {
        Model = model;
        _options = options ?? TorchDecodeOptions.Default;
        _ownsModel = ownsModel;
    }

    public DecoderModel Model { get; }

    public int ActiveCount => _active.Count;

    /// <summary>The active requests' ids in batch order (the order of a step's tokens).</summary>
    public IReadOnlyList<long> ActiveRequestIds => _active.ConvertAll(s => s.Id);

    /// <summary>Cached tokens over the active requests: Σ(prompt + generated).</summary>
    public long KvTokens => _kvTokens;

    /// <summary>Takes a request into the batch: generates its prompt, fills its cache and picks its first token.</summary>
    public AdmitResult Admit(long requestId, int promptTokens)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(promptTokens, 1);
        var config = Model.Config;
        if (promptTokens >= config.MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(promptTokens),
                $"request {requestId}: prompt of {promptTokens} tokens leaves no room to decode in {config.MaxPositions} positions");
        if (IndexOf(requestId) >= 0) throw new InvalidOperationException($"request {requestId} is already active");

        var prompt = PromptGenerator.Tokens(_options.PromptSeed, requestId, promptTokens, config.Vocab);
        var started = Stopwatch.GetTimestamp();
        var cache = new KvCache(config, promptTokens + 64);
        int first;
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            if (_options.Prefill == PrefillMode.Compute)
                first = (int)Model.Prefill(prompt, cache).argmax().item<long>();
            else
            {
                cache.FillSynthetic(promptTokens, unchecked((int)requestId)); // stand-in values only vary with the salt
                first = prompt[^1];
            }
        }
        catch
        {
            cache.Dispose();
            throw;
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        var tokens = new List<int>(promptTokens + 64);
        tokens.AddRange(prompt);
        tokens.Add(first);
        _active.Add(new Sequence(requestId, cache, tokens));
        _kvTokens += promptTokens;
        return new AdmitResult(seconds, first);
    }

    /// <summary>Decodes one token for every active request; see <see cref="StepResult"/>.</summary>
    public StepResult Step() => Step(null);

    /// <summary>As <see cref="Step()"/>; hands each request's logits row to <paramref name="logitsSink"/> (tests compare them).</summary>
    internal StepResult Step(Action<long, float[]>? logitsSink)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var n = _active.Count;
        if (n == 0) return StepResult.Empty;

        var inputs = new int[n];
        var caches = new KvCache[n];
        for (var i = 0; i < n; i++)
        {
            inputs[i] = _active[i].Tokens[^1];
            caches[i] = _active[i].Cache;
        }
        var kvBefore = _kvTokens;

        var cpuStarted = ThreadCpuClock.Now();
        var started = Stopwatch.GetTimestamp();
        long[] next;
        using (var scope = NewDisposeScope())
        using (var noGrad = no_grad())
        {
            var logits = Model.DecodeStep(inputs, caches);
            next = logits.argmax(1).data<long>().ToArray();
            if (logitsSink is not null)
                for (var i = 0; i < n; i++) logitsSink(_active[i].Id, logits[i].data<float>().ToArray());
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpuSeconds = ThreadCpuClock.Now() - cpuStarted;

        var tokens = ImmutableArray.CreateBuilder<DecodedToken>(n);
        for (var i = 0; i < n; i++)
        {
            var sequence = _active[i];
            sequence.Cache.Length++;
            sequence.Tokens.Add((int)next[i]);
            tokens.Add(new DecodedToken(sequence.Id, (int)next[i]));
        }
        _kvTokens += n;
        return new StepResult(seconds, cpuSeconds, n, kvBefore, tokens.MoveToImmutable());
    }

    /// <summary>Removes a request and frees its cache; false if it was not active.</summary>
    public bool Release(long requestId)
    {
        var i = IndexOf(requestId);
        if (i < 0) return false;
        var sequence = _active[i];
        _active.RemoveAt(i);
        _kvTokens -= sequence.Cache.Length;
        sequence.Cache.Dispose();
        return true;
    }

    /// <summary>An active request's tokens: its prompt, then every token generated so far (the first by admission).</summary>
    public IReadOnlyList<int> Tokens(long requestId)
    {
        var i = IndexOf(requestId);
        if (i < 0) throw new KeyNotFoundException($"request {requestId} is not active");
        return _active[i].Tokens.AsReadOnly();
    }

    private int IndexOf(long requestId)
    {
        for (var i = 0; i < _active.Count; i++)
            if (_active[i].Id == requestId) return i;
        return -1;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var sequence in _active) sequence.Cache.Dispose();
        _active.Clear();
        _kvTokens = 0;
        if (_ownsModel) Model.Dispose();
    }
}
