using System.Collections.Immutable;
using Scheduler.Core.CostModels;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Engines;

/// <summary>
/// The <c>cost-model</c> engine: no real decoding. A step takes the time the core's <see cref="IStepCostModel"/>
/// gives for the rank's request count and load before the step, every active request generates one token, and a
/// request finishes once it has produced its output length, exactly as the simulator advances a rank.
/// <paramref name="timeScale"/> is how much real time a modelled second takes: 0 answers at once (virtual time,
/// as fast as the runtime goes), 1 sleeps the modelled time as a real rank would compute.
/// </summary>
public sealed class CostModelEngine(IStepCostModel costModel, int capacity = 16, double timeScale = 0.0) : IDecodeEngine
{
    private long[] _id = new long[capacity];
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
        var result = DecodeStepResult.Virtual(seconds, Advance());
        if (timeScale <= 0 || _count + result.Finished.Length == 0) return ValueTask.FromResult(result);
        return new ValueTask<DecodeStepResult>(Sleep(seconds * timeScale, result, cancellationToken));
    }

    private static async Task<DecodeStepResult> Sleep(double seconds, DecodeStepResult result, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Every active request one token; those at their output length leave. Returns their ids.</summary>
    private ImmutableArray<long> Advance()
    {
        _load += _count;
        ImmutableArray<long>.Builder? finished = null;
        var w = 0;
        for (var r = 0; r < _count; r++)
        {
            var generated = ++_generated[r];
            if (generated >= _output[r])
            {
                (finished ??= ImmutableArray.CreateBuilder<long>()).Add(_id[r]);
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
        return finished?.ToImmutable() ?? ImmutableArray<long>.Empty;
    }

    public void Dispose()
    {
    }
}

/// <summary>Makes a <see cref="CostModelEngine"/> per rank from one cost model and time scale.</summary>
public sealed record CostModelEngineFactory(IStepCostModel CostModel, int BatchSize, double TimeScale = 0.0) : IDecodeEngineFactory
{
    public string Kind => DecodeEngines.CostModelKind;

    public IDecodeEngine Create(int rank) => new CostModelEngine(CostModel, BatchSize, TimeScale);
}

/// <summary>The engine kinds the runtime knows by name.</summary>
public static class DecodeEngines
{
    public const string CostModelKind = "cost-model";
    public const string TorchKind = "torch";

    public static IReadOnlyList<string> Kinds { get; } = [CostModelKind, TorchKind];
}
