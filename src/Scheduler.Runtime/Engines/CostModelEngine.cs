using System.Collections.Immutable;
using Scheduler.Core.CostModels;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Engines;

/// <summary>
/// The <c>cost-model</c> engine: no real decoding. A step takes the time the core's <see cref="IStepCostModel"/>
/// gives for the rank's request count and load before the step, every active request generates one token, and a
/// request finishes once it has produced its output length, exactly as the simulator advances a rank.
/// Without a <paramref name="pacer"/> a step answers at once (virtual time, as fast as the runtime goes); with one it
/// waits as the process's real-time timeline says (see <see cref="RealTimePacer"/>).
/// </summary>
public sealed class CostModelEngine(IStepCostModel costModel, int capacity = 16, RealTimePacer? pacer = null) : IDecodeEngine
{
    // Each request holds a slot until it finishes; requests are bucketed by the step they finish at, so a step costs
    // what finishes in it, not a pass over the batch (a step of 32 ranks runs on the barrier's thread).
    private readonly Dictionary<long, int> _slotOf = new(capacity);
    private readonly Dictionary<int, int> _finishingHead = new();
    private long[] _id = new long[capacity];
    private int[] _prompt = new int[capacity];
    private int[] _output = new int[capacity];
    private int[] _nextFinishing = new int[capacity];
    private readonly Stack<int> _free = new();
    private int _slots;
    private int _step;
    private long _load;

    public string Kind => DecodeEngines.CostModelKind;
    public int ActiveCount => _slotOf.Count;
    public long Load => _load;

    public void Admit(in RankRequest request)
    {
        if (_slotOf.ContainsKey(request.Id)) throw new InvalidOperationException($"request {request.Id} is already active on this rank");
        int slot;
        if (_free.Count > 0) slot = _free.Pop();
        else
        {
            if (_slots == _id.Length)
            {
                var grown = Math.Max(16, _slots * 2);
                Array.Resize(ref _id, grown);
                Array.Resize(ref _prompt, grown);
                Array.Resize(ref _output, grown);
                Array.Resize(ref _nextFinishing, grown);
            }
            slot = _slots++;
        }
        _id[slot] = request.Id;
        _prompt[slot] = request.PromptTokens;
        _output[slot] = request.OutputTokens;
        _slotOf.Add(request.Id, slot);
        var finishStep = _step + request.OutputTokens;
        _nextFinishing[slot] = _finishingHead.TryGetValue(finishStep, out var next) ? next : -1;
        _finishingHead[finishStep] = slot;
        _load += request.PromptTokens;
    }

    public ValueTask<DecodeStepResult> StepAsync(CancellationToken cancellationToken) => StepAsync(_step + 1, cancellationToken);

    public ValueTask<DecodeStepResult> StepAsync(long step, CancellationToken cancellationToken)
    {
        var active = _slotOf.Count;
        var seconds = costModel.RankSeconds(active, _load);
        var result = DecodeStepResult.Virtual(seconds, Advance());
        if (pacer is null || active == 0) return ValueTask.FromResult(result);
        var wait = pacer.Next(step, seconds);
        return wait == TimeSpan.Zero ? ValueTask.FromResult(result) : new ValueTask<DecodeStepResult>(Sleep(wait, result, cancellationToken));
    }

    private static async Task<DecodeStepResult> Sleep(TimeSpan wait, DecodeStepResult result, CancellationToken cancellationToken)
    {
        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Every active request one token; those at their output length leave. Returns their ids.</summary>
    private ImmutableArray<long> Advance()
    {
        _step++;
        _load += _slotOf.Count;
        if (!_finishingHead.Remove(_step, out var head)) return ImmutableArray<long>.Empty;
        var finished = ImmutableArray.CreateBuilder<long>();
        for (var slot = head; slot >= 0; slot = _nextFinishing[slot])
        {
            finished.Add(_id[slot]);
            _load -= _prompt[slot] + _output[slot];
            _slotOf.Remove(_id[slot]);
            _free.Push(slot);
        }
        return finished.ToImmutable();
    }

    public void Dispose()
    {
    }
}

/// <summary>Makes a <see cref="CostModelEngine"/> per rank from one cost model; with a <paramref name="timeScale"/> above 0
/// the ranks it makes share one real-time timeline, as ranks behind one barrier do.</summary>
public sealed class CostModelEngineFactory(IStepCostModel costModel, int batchSize, double timeScale = 0.0) : IDecodeEngineFactory
{
    private readonly RealTimePacer? _pacer = timeScale > 0 ? new RealTimePacer(timeScale) : null;

    public IStepCostModel CostModel => costModel;
    public int BatchSize => batchSize;
    public double TimeScale => timeScale;
    public string Kind => DecodeEngines.CostModelKind;

    public IDecodeEngine Create(int rank) => new CostModelEngine(costModel, batchSize, _pacer);
}

/// <summary>The engine kinds the runtime knows by name.</summary>
public static class DecodeEngines
{
    public const string CostModelKind = "cost-model";
    public const string TorchKind = "torch";

    public static IReadOnlyList<string> Kinds { get; } = [CostModelKind, TorchKind];
}
