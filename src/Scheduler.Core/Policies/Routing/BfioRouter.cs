using Scheduler.Core.Model;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Policies.Routing;

/// <summary>
/// BF-IO's principle applied where production systems decide, at arrival: each request goes to the rank where it adds
/// the least predicted imbalance over the next H steps. Each rank's future is simulated as the rank will run it — its
/// active requests leave after their predicted remaining lengths, its queued requests enter FIFO as slots free, and
/// every request in a batch grows one token per step (drift) — giving a projected load L_g(t) and the step τ_g at which
/// a request queued now would start there. Placing the request (s, ô) on g adds s + (t − τ_g) to L_g(t) for
/// τ_g ≤ t &lt; τ_g + ô, and changes the imbalance G·max − ΣL of row t by G·(rise of the envelope) − (the mass added).
/// The router picks the rank with the least change summed over the horizon, then the earliest start, then the least
/// projected load, then the lowest index.
/// </summary>
/// <remarks>
/// Why this objective covers TTFT too: the mass term rewards starting early (a request that waits adds no mass to the
/// rows it waits through, so fills no valley there), and a rank with room now beats an equal one where it would queue.
/// Where the request starts beyond the horizon on every rank all scores are 0 and it goes where it starts soonest.
/// Cost: a rank's projection (O(active + queued · log B + rows)) is recomputed only when its state changed — a step
/// passed, or the rank admitted, released or was restarted — detected from a signature of its load and counts; a
/// request bound here updates its rank in place. A decision is then O(G · rows) with no allocation.
/// </remarks>
public sealed class BfioRouter : IArrivalRouter
{
    /// <summary>Lookahead in steps: a few typical request lifetimes of chat traffic, so a request's stay counts whole.</summary>
    public const int DefaultHorizon = 256;

    /// <summary>Rows evaluated over the horizon, evenly spaced (each stands for the steps up to the next).</summary>
    public const int DefaultRows = 32;

    /// <summary>A request may start up to this share later than its earliest possible start (none when a rank has room now).</summary>
    public const double DefaultStartSlack = 0.5;

    // Far enough that τ + ô never overflows and compares past any horizon.
    private const int Never = 1 << 29;

    private readonly IOutputPredictor _predictor;
    private readonly int _horizon;
    private readonly int _rowCount;
    private readonly int _stride;
    private readonly double _startSlack;

    private int _ranks;
    private int _batch;
    private int _lastStep = -1;
    // Per rank: the signature its projection was built for (load, active, queued, queued prompt tokens).
    private long[] _sigLoad = [];
    private int[] _sigActive = [];
    private int[] _sigBound = [];
    private long[] _sigPrompt = [];
    // Per rank, B entries: a min-heap of the steps at which each slot is next free (0 = free now).
    private int[] _slotFree = [];
    // Per rank, rows entries: projected load at t = k·stride; and each rank's sum over rows.
    private double[] _projection = [];
    private double[] _projectedTotal = [];
    // Envelope max_g over ranks, per row.
    private double[] _envelope = [];
    // Difference arrays for building one rank's projection.
    private double[] _baseDiff = [];
    private int[] _countDiff = [];

    public BfioRouter(IOutputPredictor predictor, int horizon = DefaultHorizon, double startSlack = DefaultStartSlack,
        string name = ArrivalRouterCatalog.Bfio)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(startSlack);
        _startSlack = startSlack;
        _predictor = predictor;
        _horizon = horizon;
        _rowCount = Math.Min(horizon, DefaultRows);
        _stride = (horizon + _rowCount - 1) / _rowCount;
        Name = name;
    }

    public string Name { get; }

    public IOutputPredictor Predictor => _predictor;

    public int Horizon => _horizon;

    public int Route(ClusterView state, int requestId)
    {
        EnsureSized(state);
        if (state.Step != _lastStep)
        {
            _lastStep = state.Step;
            _predictor.BeginCall(state);
            for (var g = 0; g < _ranks; g++) Project(state, g);
            RebuildEnvelope();
        }
        else
        {
            var changed = false;
            for (var g = 0; g < _ranks; g++)
            {
                if (SignatureHolds(state, g)) continue;
                Project(state, g);
                changed = true;
            }
            if (changed) RebuildEnvelope();
        }

        var prompt = state.PromptTokens(requestId);
        var output = Clamp(_predictor.PredictedRemaining(state, requestId));
        // TTFT guard: only ranks where the request starts by (1 + slack)·τ_min steps; with room somewhere now, τ_min = 0
        // and only ranks with room now qualify. Waiting longer for a better fit would trade a tail latency for balance.
        var earliest = int.MaxValue;
        for (var g = 0; g < _ranks; g++)
            if (_slotFree[g * _batch] < earliest) earliest = _slotFree[g * _batch];
        var latest = earliest + (long)Math.Floor(_startSlack * earliest);
        var best = 0;
        var bestScore = double.PositiveInfinity;
        var bestStart = int.MaxValue;
        var bestTotal = double.PositiveInfinity;
        for (var g = 0; g < _ranks; g++)
        {
            var start = _slotFree[g * _batch];
            if (start > latest) continue;
            var score = Score(g, prompt, start, output);
            var total = _projectedTotal[g];
            if (score < bestScore
                || (score == bestScore && (start < bestStart || (start == bestStart && total < bestTotal))))
            {
                best = g;
                bestScore = score;
                bestStart = start;
                bestTotal = total;
            }
        }

        Place(best, prompt, output);
        _predictor.OnAdmitted(state, requestId);
        return best;
    }

    public void OnReleased(ClusterView state, int slot) => _predictor.OnReleased(state, slot);

    /// <summary>Σ over rows of the change in G·max − ΣL if the request (s, ô) starts on <paramref name="rank"/> at
    /// <paramref name="start"/>.</summary>
    private double Score(int rank, int prompt, int start, int output)
    {
        var end = (long)start + output;
        var first = (start + _stride - 1) / _stride;
        var last = (int)Math.Min(_rowCount, (end + _stride - 1) / _stride);
        var row = rank * _rowCount;
        var g = (double)_ranks;
        var score = 0.0;
        for (var k = first; k < last; k++)
        {
            var added = prompt + (double)(k * _stride - start);
            var rise = _projection[row + k] + added - _envelope[k];
            score += (rise > 0 ? g * rise : 0.0) - added;
        }
        return score * _stride;
    }

    /// <summary>Bind the request to <paramref name="rank"/> in the cached view: it takes the earliest free slot
    /// (FIFO, it is last in the queue), adds its load to the rows it lives through and raises the envelope there.</summary>
    private void Place(int rank, int prompt, int output)
    {
        var heap = _slotFree.AsSpan(rank * _batch, _batch);
        var start = heap[0];
        heap[0] = (int)Math.Min(Never, (long)start + output);
        SiftDown(heap);
        var end = (long)start + output;
        var first = (start + _stride - 1) / _stride;
        var last = (int)Math.Min(_rowCount, (end + _stride - 1) / _stride);
        var row = rank * _rowCount;
        for (var k = first; k < last; k++)
        {
            var added = prompt + (double)(k * _stride - start);
            var load = _projection[row + k] += added;
            _projectedTotal[rank] += added;
            if (load > _envelope[k]) _envelope[k] = load;
        }
        _sigBound[rank]++;
        _sigPrompt[rank] += prompt;
    }

    /// <summary>Rebuild <paramref name="rank"/>'s slot heap and projection from the state, FIFO as the rank admits.</summary>
    private void Project(ClusterView state, int rank)
    {
        var rows = _rowCount;
        var baseDiff = _baseDiff.AsSpan(0, rows + 1);
        var countDiff = _countDiff.AsSpan(0, rows + 1);
        baseDiff.Clear();
        countDiff.Clear();
        var heap = _slotFree.AsSpan(rank * _batch, _batch);
        var n = 0;
        foreach (var id in state.ActiveRequests(rank))
        {
            var remaining = Clamp(_predictor.PredictedRemaining(state, id));
            AddLife(baseDiff, countDiff, state.PromptTokens(id) + state.Generated(id), 0, remaining);
            heap[n++] = remaining;
        }
        for (; n < _batch; n++) heap[n] = 0;
        Heapify(heap);
        foreach (var id in state.BoundQueue(rank))
        {
            var start = heap[0];
            if (start >= Never) break; // every slot is held past anything the predictor can tell
            var output = Clamp(_predictor.PredictedRemaining(state, id));
            AddLife(baseDiff, countDiff, state.PromptTokens(id) - (double)start, start, output);
            heap[0] = (int)Math.Min(Never, (long)start + output);
            SiftDown(heap);
        }

        var row = rank * rows;
        double constant = 0;
        var count = 0;
        var total = 0.0;
        for (var k = 0; k < rows; k++)
        {
            constant += baseDiff[k];
            count += countDiff[k];
            var load = constant + (double)count * (k * _stride);
            _projection[row + k] = load;
            total += load;
        }
        _projectedTotal[rank] = total;
        _sigLoad[rank] = state.Load(rank);
        _sigActive[rank] = state.ActiveCount(rank);
        _sigBound[rank] = state.BoundCount(rank);
        _sigPrompt[rank] = state.BoundPromptTokens(rank);
    }

    /// <summary>A request holding <paramref name="intercept"/> + t tokens for start ≤ t &lt; start + length, on the rows.</summary>
    private void AddLife(Span<double> baseDiff, Span<int> countDiff, double intercept, int start, int length)
    {
        var first = (start + _stride - 1) / _stride;
        if (first >= _rowCount) return;
        var end = (long)start + length;
        var last = (int)Math.Min(_rowCount, (end + _stride - 1) / _stride);
        if (last <= first) return;
        baseDiff[first] += intercept;
        baseDiff[last] -= intercept;
        countDiff[first]++;
        countDiff[last]--;
    }

    private bool SignatureHolds(ClusterView state, int g) =>
        _sigLoad[g] == state.Load(g) && _sigActive[g] == state.ActiveCount(g)
        && _sigBound[g] == state.BoundCount(g) && _sigPrompt[g] == state.BoundPromptTokens(g);

    private void RebuildEnvelope()
    {
        var envelope = _envelope.AsSpan(0, _rowCount);
        envelope.Fill(double.NegativeInfinity);
        for (var g = 0; g < _ranks; g++)
        {
            var row = g * _rowCount;
            for (var k = 0; k < _rowCount; k++)
                if (_projection[row + k] > envelope[k]) envelope[k] = _projection[row + k];
        }
    }

    private static int Clamp(int steps) => steps >= Never ? Never : Math.Max(1, steps);

    private void EnsureSized(ClusterView state)
    {
        if (state.Ranks == _ranks && state.BatchSize == _batch) return;
        _ranks = state.Ranks;
        _batch = state.BatchSize;
        _lastStep = -1;
        _sigLoad = new long[_ranks];
        _sigActive = new int[_ranks];
        _sigBound = new int[_ranks];
        _sigPrompt = new long[_ranks];
        _slotFree = new int[_ranks * _batch];
        _projection = new double[_ranks * _rowCount];
        _projectedTotal = new double[_ranks];
        _envelope = new double[_rowCount];
        _baseDiff = new double[_rowCount + 1];
        _countDiff = new int[_rowCount + 1];
    }

    private static void Heapify(Span<int> heap)
    {
        for (var i = heap.Length / 2 - 1; i >= 0; i--) SiftDown(heap, i);
    }

    private static void SiftDown(Span<int> heap, int i = 0)
    {
        var n = heap.Length;
        var value = heap[i];
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && heap[child + 1] < heap[child]) child++;
            if (heap[child] >= value) break;
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = value;
    }
}
