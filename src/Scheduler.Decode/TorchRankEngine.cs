using System.Collections.Immutable;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Messages;

namespace Scheduler.Decode;

/// <summary>
/// The <c>torch</c> engine for a rank actor: real TorchSharp decode steps over the rank's batch. The step runs
/// off the actor's thread (piped back), and reports the decoding thread's CPU seconds as the rank's compute:
/// ranks share this machine's cores, so wall time would count the other ranks' work too. A request leaves
/// after producing its output length, as in the simulator.
/// </summary>
public sealed class TorchRankEngine(TorchDecodeEngine engine) : IDecodeEngine
{
    private readonly Dictionary<long, (int Output, int Generated)> _progress = [];

    public string Kind => DecodeEngines.TorchKind;
    public int ActiveCount => engine.ActiveCount;
    public long Load => engine.KvTokens;

    /// <summary>Seconds spent prefilling admitted prompts (kept out of step times).</summary>
    public double PrefillSeconds { get; private set; }

    public void Admit(in RankRequest request)
    {
        if (_progress.ContainsKey(request.Id)) throw new InvalidOperationException($"request {request.Id} is already active on this rank");
        PrefillSeconds += engine.Admit(request.Id, request.PromptTokens).PrefillSeconds;
        _progress[request.Id] = (request.OutputTokens, 0);
    }

    public ValueTask<DecodeStepResult> StepAsync(CancellationToken cancellationToken) =>
        new(Task.Run(Step, cancellationToken));

    private DecodeStepResult Step()
    {
        var step = engine.Step();
        ImmutableArray<long>.Builder? finished = null;
        var tokens = ImmutableArray.CreateBuilder<GeneratedToken>(step.Tokens.Length);
        foreach (var token in step.Tokens)
        {
            tokens.Add(new GeneratedToken(token.RequestId, token.TokenId));
            var (output, generated) = _progress[token.RequestId];
            generated++;
            if (generated >= output)
            {
                (finished ??= ImmutableArray.CreateBuilder<long>()).Add(token.RequestId);
                _progress.Remove(token.RequestId);
                engine.Release(token.RequestId);
            }
            else _progress[token.RequestId] = (output, generated);
        }
        var seconds = double.IsNaN(step.CpuSeconds) ? step.ComputeSeconds : step.CpuSeconds;
        return new DecodeStepResult(seconds, true, finished?.ToImmutable() ?? ImmutableArray<long>.Empty, tokens.MoveToImmutable());
    }

    public void Dispose() => engine.Dispose();
}

/// <summary>One <see cref="TorchRankEngine"/> per rank, all sharing one read-only model.</summary>
public sealed class TorchRankEngineFactory(TorchDecodeOptions options) : IDecodeEngineFactory
{
    /// <summary>A request's prompt and output share the model's learned positions: longer ones are refused at admission.</summary>
    public int? MaxSequenceTokens => _model.Value.Config.MaxPositions;

    private readonly Lazy<DecoderModel> _model = new(() => options.WeightsPath is { } path
        ? DecoderModel.Load(path)
        : DecoderModel.Create(options.Model, options.WeightSeed));

    public string Kind => DecodeEngines.TorchKind;

    public IDecodeEngine Create(int rank) => new TorchRankEngine(new TorchDecodeEngine(_model.Value, options));
}
