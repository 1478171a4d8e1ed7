using System.Collections.Immutable;
using Scheduler.Core.CostModels;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Engines;

/// <summary>
/// The <c>cost-model</c> engine: no real decoding. A step takes the virtual time the core's
/// <see cref="IStepCostModel"/> gives for the rank's request count and load before the step, every active
/// request generates one token, and a request finishes once it has produced its output length, exactly
/// as the simulator advances a rank.
/// </summary>
public sealed class CostModelEngine(IStepCostModel costModel, int capacity = 16) : IDecodeEngine
{
    private int[] _id = new int[capacity];
    private int[] _prompt = new int[capacity];
    private int[] _output = new int[capacity];
    private int[] _generated = new int[capacity];
    private int _count;
    private long _load;

    public string Kind => DecodeEngines.CostModelKind;
    public int ActiveCount => _count;
    public long Load => _load;

    public void Admit(in RankRequest request)
    {
        for (var i = 0; i < _count; i++)
            if (_id[i] == request.Id) throw new InvalidOperationException($"request {request.Id} is already active on this rank");
        if (_count == _id.Length)
        {
            var grown = Math.Max(16, _count * 2);
            Array.Resize(ref _id, grown);
            Array.Resize(ref _prompt, grown);
            Array.Resize(ref _output, grown);
            Array.Resize(ref _generated, grown);
        }
        _id[_count] = request.Id;
        _prompt[_count] = request.PromptTokens;
        _output[_count] = request.OutputTokens;
        _generated[_count] = 0;
        _count++;
        _load += request.PromptTokens;
    }

    public ValueTask<DecodeStepResult> StepAsync(CancellationToken cancellationToken)
    {
        var seconds = costModel.RankSeconds(_count, _load);
        _load += _count;
        ImmutableArray<int>.Builder? finished = null;
        var w = 0;
        for (var r = 0; r < _count; r++)
        {
            var generated = ++_generated[r];
            if (generated >= _output[r])
            {
                (finished ??= ImmutableArray.CreateBuilder<int>()).Add(_id[r]);
                _load -= _prompt[r] + generated;
                continue;
            }
            if (w != r)
            {
                _id[w] = _id[r];
                _prompt[w] = _prompt[r];
                _output[w] = _output[r];
                _generated[w] = generated;
            }
            w++;
        }
        _count = w;
        return ValueTask.FromResult(DecodeStepResult.Virtual(seconds, finished?.ToImmutable() ?? ImmutableArray<int>.Empty));
    }

    public void Dispose()
    {
    }
}

/// <summary>Makes a <see cref="CostModelEngine"/> per rank from one cost model.</summary>
public sealed record CostModelEngineFactory(IStepCostModel CostModel, int BatchSize) : IDecodeEngineFactory
{
    public string Kind => DecodeEngines.CostModelKind;

    public IDecodeEngine Create(int rank) => new CostModelEngine(CostModel, BatchSize);
}

/// <summary>The engine kinds the runtime knows by name.</summary>
public static class DecodeEngines
{
    public const string CostModelKind = "cost-model";
    public const string TorchKind = "torch";

    public static IReadOnlyList<string> Kinds { get; } = [CostModelKind, TorchKind];
}
