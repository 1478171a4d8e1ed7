using System.Numerics;
using Scheduler.Core.Model;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Policies.Routing;

/// <summary>
/// BF-IO's principle applied where production systems decide, at arrival: each request goes to the rank where it adds
/// the least predicted imbalance over its stay. Each rank's future is simulated as the rank will run it — its active
/// requests leave after their predicted remaining lengths, its queued requests enter FIFO as slots free, and every
/// request in a batch grows one token per step (drift) — giving a projected load L_g(t) and the step τ_g at which a
/// request queued now would start there. Placing the request (s, ô) on g adds s + (t − τ_g) to L_g(t) for
/// τ_g ≤ t &lt; τ_g + ô, and changes row t's imbalance G·max − ΣL by G·(its rise above the envelope max_h L_h(t)) −
/// (the mass added). Over the request's whole life the mass added is the same on every rank, so what differs is
/// G·Σ_t rise⁺: the router minimises that.
/// The projection knows only the requests here now: as they leave, its loads fall towards zero, where the real ranks
/// are refilled by arrivals. Left so, the far rows' envelope is set by whichever rank keeps long requests, and a
/// request is steered to the ranks emptying soonest, which the next arrivals fill anyway. So each row is held to the
/// total projected now (arrivals replace departures on average, at any load), and the missing mass is poured onto
/// the lowest ranks first, as every load-aware router (this one included) sends it: up to a water level W(t). A rank
/// under water stands at W(t); the request rises above the higher of the envelope and W(t). Where a queue already
/// holds more than that total (overload), no row has water and the projection alone decides.
/// A predictor that knows a distribution of o (online) projects the active requests' expected loads (each
/// survival-weighted), not one guessed departure each; its point lengths say only when slots free.
/// Among the ranks where it starts by (1 + wait)·τ_min (only ranks with room now, if any has), the router picks the
/// least change over the request's life, then the earliest start, then the least peak projected load over its stay
/// (most requests fit under the envelope on many ranks: among those, the one that stays lowest at its highest while the
/// request runs, since the max is what the imbalance counts), then the lowest index.
/// </summary>
/// <remarks>
/// TTFT: the start guard keeps a request from queueing behind a full rank for a better fit while another could start
/// it sooner; at loads below 1 that is what keeps its TTFT p99 at a step or two. Horizon: rows are t = τ_min + 0, 1, 2, 4, 8, …
/// (one per doubling, up to H; nothing before the earliest start bears on the choice); the change is the mean over the
/// rows of the request's life that fall inside the horizon, times its length, so a rank where less of its life is
/// visible does not look cheaper. A plain mean over rows spaced so weighs each stretch of the future by 1/distance:
/// every doubling of time counts alike. The near future is where the request's placement is final; further out, the
/// decisions still to come (every later arrival's) correct what this one gets wrong, and the projection there is
/// guessed (predicted departures, arrivals as a water level). Evenly spaced rows (32 over 2048 steps) weighed the far
/// future as much as the next step and judged every request shorter than their spacing on one row. Measured on the
/// generated shapes and the Azure trace, loads 0.8–1.2: at G = 32, B = 72 the geometric mean of bfio's imbalance over
/// the best production router's was 0.66 with even rows, 0.56 with rows 1.5× apart and 0.55 with rows 2× apart (seeds
/// 1, 2; 0.66, 0.57, 0.57 with seeds 3, 4), and doubling rows did as well or better at G = 8 and 128, B = 16 and 72.
/// Cost: a rank's projection (O(active + queued · log B + rows)) is rebuilt once per step, and in between only when
/// its state changed otherwise (admitted, released, restarted), detected from a signature of its load and counts; a
/// request bound here updates its rank in place (and the water levels of the rows it lives through, O(G) each with a
/// few passes). A decision is then O(G · rows), with no allocation.
/// </remarks>
public sealed class BfioRouter : IArrivalRouter
{
    /// <summary>
    /// Lookahead in steps from the earliest start: long enough to hold the whole stay of nearly every request (and a
    /// queue's worth of waiting), so the score is what the request adds over its life, not over a prefix of it. Chosen
    /// among 256–4096 on the generated shapes at G = 8 and 32 (timed arrivals): 256 and 1024 balanced worse; 4096 helped the oracle at G = 8
    /// and hurt the online predictor; not tuned further.
    /// </summary>
    public const int DefaultHorizon = 2048;

    /// <summary>
    /// A request may start up to this share later than its earliest possible start, for a better rank; never later when
    /// some rank has room now (earliest = 0), since at loads below 1 a TTFT p99 of a step or two is what routers achieve.
    /// </summary>
    public const double DefaultStartSlack = 0.5;

    // Far enough that τ + ô never overflows and compares past any horizon.
    private const int Never = 1 << 29;

    private readonly IOutputPredictor _predictor;
    private readonly int _horizon;
    private readonly int _rowCount;
    // Steps from row 0 of each row: 0, 1, 2, 4, 8, … (RowOffsets); row k ≥ 1 lies 2^(k−1) ahead, which RowHolding and
    // FirstRowAtOrAfter compute with a logarithm instead of a search.
    private readonly int[] _offsets;
    private readonly double _startSlack;

    private int _ranks;
    private int _batch;
    private int _lastStep = -1;
    // The step row 0 stands for (rows are t_k = base + k·stride): the earliest start over ranks at the step's first call.
    private long _base;
    // Per rank: the signature its projection was built for (load, active, queued, queued prompt tokens).
    private long[] _sigLoad = [];
    private int[] _sigActive = [];
    private int[] _sigBound = [];
    private long[] _sigPrompt = [];
    // Per rank, B entries: a min-heap of the steps at which each slot is next free (0 = free now).
    private int[] _slotFree = [];
    // Per rank, rows entries: projected load at t_k = base + k·stride.
    private double[] _projection = [];
    // Envelope max_g over ranks, per row.
    private double[] _envelope = [];
    // Per row: Σ_g projected load, and the water level arrivals still to come raise the lowest ranks to (see WaterLevel).
    private double[] _rowTotal = [];
    private double[] _water = [];
    // The total projected load the rows are held to this step: row 0's at the step's first call.
    private double _heldTotal;
    // The steps from now each row stands for (set with the rows' base, once a step), and per rank, rows entries, the expected
    // loads of its active requests on them (predictors with a distribution), kept so that an admission adds to them.
    private int[] _rowSteps = [];
    private double[] _expected = [];
    // A rank's view moved in place since the rows' envelope, totals and water levels were last read from every rank.
    private bool _rowsStale;
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
        _offsets = RowOffsets(horizon);
        _rowCount = _offsets.Length;
        Name = name;
    }

    public string Name { get; }

    public IOutputPredictor Predictor => _predictor;

    /// <summary>Ranks whose view was rebuilt from the state so far (diagnostics and tests).</summary>
    internal long RankRebuilds { get; private set; }

    public int Horizon => _horizon;

    public int Route(ClusterView state, int requestId)
    {
        EnsureSized(state);
        if (state.Step != _lastStep)
        {
            // The rows start where a request could first start anywhere (rows before it bear on no rank's choice): read
            // from the slot heaps of the last rebuild, each slot that many steps nearer now; one pass per step, not two.
            var elapsed = _lastStep < 0 ? int.MaxValue : state.Step - _lastStep;
            var first = long.MaxValue;
            for (var g = 0; g < _ranks; g++) first = Math.Min(first, _slotFree[g * _batch]);
            _base = _lastStep < 0 || first >= Never ? 0 : Math.Max(0, first - elapsed);
            _lastStep = state.Step;
            for (var k = 0; k < _rowCount; k++) _rowSteps[k] = (int)RowTime(k);
            _predictor.BeginCall(state);
            for (var g = 0; g < _ranks; g++) SimulateSlots(state, g);
            RebuildRows(newStep: true);
        }
        else
        {
            var changed = _rowsStale;
            for (var g = 0; g < _ranks; g++)
            {
                if (SignatureHolds(state, g)) continue;
                SimulateSlots(state, g);
                changed = true;
            }
            if (changed) RebuildRows(newStep: false);
        }
        _rowsStale = false;

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
        var bestStay = double.PositiveInfinity;
        for (var g = 0; g < _ranks; g++)
        {
            var start = _slotFree[g * _batch];
            if (start > latest) continue;
            var score = Score(g, prompt, start, output, out var stay);
            if (score < bestScore
                || (score == bestScore && (start < bestStart || (start == bestStart && stay < bestStay))))
            {
                best = g;
                bestScore = score;
                bestStart = start;
                bestStay = stay;
            }
        }

        Place(best, prompt, output);
        _predictor.OnAdmitted(state, requestId);
        return best;
    }

    public void OnReleased(ClusterView state, int slot) => _predictor.OnReleased(state, slot);

    /// <summary>
    /// The caller admitted request <paramref name="requestId"/>, just routed to <paramref name="rank"/>, at once (bfio in
    /// the pool, with room there), so the rank's view moves to its new state instead of being rebuilt at the next call:
    /// <list type="bullet">
    /// <item>with point lengths the view already holds the request exactly as a rebuild would (it took the slot free now,
    /// and its load from there), in whole token counts, and so do the rows' envelope, totals and water levels;</item>
    /// <item>with expected loads (online) a rebuild projects the request by its survival curve, not its point length: its
    /// expected loads are added onto the rank's kept sums, after its other requests as a rebuild adds them (the state
    /// appends an admission), so to the last bit, and the rows are read again from every rank at the next call (a G=128
    /// burst drain, 74 requests routed one by one, rebuilt a rank of 72 requests for each).</item>
    /// </list>
    /// Where the view did not stand for the state just before this admission, or the rank queues requests of its own, the
    /// next call rebuilds the rank as before.
    /// </summary>
    internal void Admitted(ClusterView state, int rank, int requestId)
    {
        if (_pointLengths)
        {
            RecordSignature(state, rank);
            return;
        }
        // Place moved the signature's queued count and prompt tokens as if the request had joined the rank's queue.
        var active = state.ActiveCount(rank);
        var viewBefore = _lastStep == state.Step && state.BoundCount(rank) == 0
            && _sigBound[rank] == 1 && _sigPrompt[rank] == state.PromptTokens(requestId)
            && _sigActive[rank] + 1 == active && _sigLoad[rank] + state.PromptTokens(requestId) == state.Load(rank)
            && state.ActiveRequests(rank)[active - 1] == requestId;
        var expected = _expected.AsSpan(rank * _rowCount, _rowCount);
        if (!viewBefore || !_predictor.AddRankExpected(state, rank, active - 1, _rowSteps, expected)) return;
        // As SimulateSlots sets it with nothing queued on the rank: no point-length load, the expected loads alone; the slot
        // heap already holds the request's predicted life from the slot it took (Place).
        expected.CopyTo(_projection.AsSpan(rank * _rowCount, _rowCount));
        RecordSignature(state, rank);
        _rowsStale = true;
    }

    // The predictor names one length per request (no expected-load curves): SimulateSlots's last answer.
    private bool _pointLengths;

    /// <summary>The next call starts the rows now and rebuilds every rank: for a caller that routes only some steps
    /// (bfio in the pool, when few wait) and knows a rank has room now, so the last call's slot heaps say nothing.</summary>
    internal void StartRowsNow() => _lastStep = -1;

    /// <summary>
    /// G·Σ_t rise⁺ over the request's life if the request (s, ô) starts on <paramref name="rank"/> at <paramref name="start"/>
    /// (its rise above the envelope; the mass it adds is the same on every rank, so left out): the mean over the rows of
    /// its life inside the horizon, times its length. Summing only the rows inside would favour a rank where less of
    /// its life fits in the horizon (a later start), whatever that rank's loads; a request that lives between two rows is
    /// read on the row it starts in. Infinite where its
    /// start lies beyond the horizon: nothing is known there (the caller then goes by start and load).
    /// </summary>
    /// <param name="stayLoad">The rank's peak projected load over those rows, without the request: the tie-break. The
    /// imbalance is set by the highest rank, so among ranks where the request stays under the envelope the one whose
    /// highest point during its stay is lowest keeps the most room there for what the projection cannot see (later
    /// arrivals, prediction error); a mean would let a rank high now and low later (departures due) look as light as a
    /// rank that stays low throughout.</param>
    private double Score(int rank, int prompt, int start, int output, out double stayLoad)
    {
        stayLoad = 0.0;
        var offset = start - _base;
        if (offset >= _horizon) return double.PositiveInfinity;
        RowRange(start, (long)start + output, out var first, out var last);
        if (last == first)
        {
            first = RowHolding(offset);
            last = first + 1;
        }
        var row = rank * _rowCount;
        var g = (double)_ranks;
        var sum = 0.0;
        var peak = double.NegativeInfinity;
        for (var k = first; k < last; k++)
        {
            var added = prompt + (double)Math.Max(0, RowTime(k) - start);
            var water = _water[k];
            var load = _projection[row + k];
            // Under water, the request only takes the place of load still to arrive: it rises above the higher of
            // the envelope and the water level, and the rank stands at least at that level.
            var rise = load + added - Math.Max(_envelope[k], water);
            if (rise > 0) sum += g * rise;
            var standing = Math.Max(load, water);
            if (standing > peak) peak = standing;
        }
        stayLoad = peak;
        return sum / (last - first) * Math.Min(output, (long)_horizon);
    }

    /// <summary>Row offsets from row 0 up to <paramref name="horizon"/> (exclusive): 0, 1, 2, 4, 8, …, one row per
    /// doubling; 12 rows for 2048 steps.</summary>
    internal static int[] RowOffsets(int horizon)
    {
        var offsets = new List<int>();
        for (var offset = 0; offset < horizon; offset = Math.Max(1, 2 * offset)) offsets.Add(offset);
        return offsets.ToArray();
    }

    /// <summary>The row whose steps hold <paramref name="offset"/> (steps from row 0): the last row at or before it.</summary>
    private int RowHolding(long offset) =>
        offset < 1 ? 0 : Math.Min(_rowCount - 1, 1 + BitOperations.Log2((ulong)offset));

    /// <summary>Bind the request to <paramref name="rank"/> in the cached view: it takes the earliest free slot
    /// (FIFO, it is last in the queue), adds its load to the rows it lives through and raises the envelope there.</summary>
    private void Place(int rank, int prompt, int output)
    {
        var heap = _slotFree.AsSpan(rank * _batch, _batch);
        var start = heap[0];
        heap[0] = (int)Math.Min(Never, (long)start + output);
        SiftDown(heap);
        RowRange(start, (long)start + output, out var first, out var last);
        var row = rank * _rowCount;
        for (var k = first; k < last; k++)
        {
            var added = prompt + (double)(RowTime(k) - start);
            var load = _projection[row + k] += added;
            if (load > _envelope[k]) _envelope[k] = load;
            _rowTotal[k] += added;
            // Still under water, the request took the place of mass that was to arrive: the level stands. No water
            // stays none (the mass missing only shrinks). Otherwise pour again.
            if (load > _water[k] && _water[k] > double.NegativeInfinity) _water[k] = WaterLevel(k);
        }
        _sigBound[rank]++;
        _sigPrompt[rank] += prompt;
    }

    /// <summary>
    /// Rebuild <paramref name="rank"/>'s slot heap and projected load on the rows from the state, FIFO as the rank admits:
    /// its active requests hold their slots for their predicted remaining lengths, each queued request takes the slot
    /// that frees first.
    /// </summary>
    private void SimulateSlots(ClusterView state, int rank)
    {
        var baseDiff = _baseDiff.AsSpan(0, _rowCount + 1);
        var countDiff = _countDiff.AsSpan(0, _rowCount + 1);
        baseDiff.Clear();
        countDiff.Clear();
        var heap = _slotFree.AsSpan(rank * _batch, _batch);
        var expected = _expected.AsSpan(rank * _rowCount, _rowCount);
        // A predictor that knows a distribution of o (online) gives the active requests' expected loads; its point
        // lengths still say when slots free, which a load curve does not.
        var spread = _predictor.ProjectRankExpected(state, rank, _rowSteps, expected);
        _pointLengths = !spread;
        RankRebuilds++;
        var n = 0;
        foreach (var id in state.ActiveRequests(rank))
        {
            var remaining = Clamp(_predictor.PredictedRemaining(state, id));
            if (!spread) AddLife(baseDiff, countDiff, state.PromptTokens(id) + state.Generated(id), 0, remaining);
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

        var row = rank * _rowCount;
        double constant = 0;
        var count = 0;
        for (var k = 0; k < _rowCount; k++)
        {
            constant += baseDiff[k];
            count += countDiff[k];
            var load = constant + (double)count * RowTime(k);
            _projection[row + k] = spread ? load + expected[k] : load;
        }
        RecordSignature(state, rank);
    }

    /// <summary>The state the rank's view now stands for (see <see cref="SignatureHolds"/>).</summary>
    private void RecordSignature(ClusterView state, int rank)
    {
        _sigLoad[rank] = state.Load(rank);
        _sigActive[rank] = state.ActiveCount(rank);
        _sigBound[rank] = state.BoundCount(rank);
        _sigPrompt[rank] = state.BoundPromptTokens(rank);
    }

    /// <summary>A request holding <paramref name="intercept"/> + t tokens for start ≤ t &lt; start + length, on the rows.</summary>
    private void AddLife(Span<double> baseDiff, Span<int> countDiff, double intercept, int start, int length)
    {
        RowRange(start, (long)start + length, out var first, out var last);
        if (last <= first) return;
        baseDiff[first] += intercept;
        baseDiff[last] -= intercept;
        countDiff[first]++;
        countDiff[last]--;
    }

    /// <summary>The step row <paramref name="k"/> stands for.</summary>
    private long RowTime(int k) => _base + _offsets[k];

    /// <summary>The rows k with <paramref name="from"/> ≤ t_k &lt; <paramref name="to"/>: [first, last).</summary>
    private void RowRange(long from, long to, out int first, out int last)
    {
        first = FirstRowAtOrAfter(from - _base);
        last = FirstRowAtOrAfter(to - _base);
        if (last < first) last = first;
    }

    /// <summary>The first row at or after <paramref name="offset"/> steps from row 0 (the row count if none).</summary>
    private int FirstRowAtOrAfter(long offset) =>
        offset < 2 ? (int)Math.Max(0, offset)
        : offset > _offsets[^1] ? _rowCount
        : 2 + BitOperations.Log2((ulong)(offset - 1));

    private bool SignatureHolds(ClusterView state, int g) =>
        _sigLoad[g] == state.Load(g) && _sigActive[g] == state.ActiveCount(g)
        && _sigBound[g] == state.BoundCount(g) && _sigPrompt[g] == state.BoundPromptTokens(g);

    /// <summary>Envelope, row totals and water levels from every rank's projection; at a step's first call
    /// (<paramref name="newStep"/>) the total the rows are held to is row 0's.</summary>
    private void RebuildRows(bool newStep)
    {
        var envelope = _envelope.AsSpan(0, _rowCount);
        var totals = _rowTotal.AsSpan(0, _rowCount);
        envelope.Fill(double.NegativeInfinity);
        totals.Clear();
        for (var g = 0; g < _ranks; g++)
        {
            var row = g * _rowCount;
            for (var k = 0; k < _rowCount; k++)
            {
                var load = _projection[row + k];
                if (load > envelope[k]) envelope[k] = load;
                totals[k] += load;
            }
        }
        if (newStep) _heldTotal = totals[0];
        for (var k = 0; k < _rowCount; k++) _water[k] = WaterLevel(k);
    }

    /// <summary>
    /// The level the load still to arrive raises the lowest ranks to on row <paramref name="k"/>: the projection holds
    /// only the requests here now, so its total falls as they leave, while arrivals keep the total where it stands
    /// (<see cref="_heldTotal"/>, row 0's at the step's first call); the missing mass goes to the lowest ranks first,
    /// as every load-aware router (this one included) sends it. −∞ where nothing is missing (a queue already holds more
    /// than the total: overload).
    /// </summary>
    private double WaterLevel(int k)
    {
        var missing = _heldTotal - _rowTotal[k];
        return missing > 0
            ? WaterFill.Level(_projection.AsSpan(0, _ranks * _rowCount), k, _rowCount, _ranks, missing)
            : double.NegativeInfinity;
    }

    private static int Clamp(int steps) => steps >= Never ? Never : Math.Max(1, steps);

    /// <summary>Sizes the projections for <paramref name="shape"/> before the first request is routed.</summary>
    public void Prepare(ClusterShape shape) => EnsureSized(shape.Ranks, shape.BatchSize);

    /// <summary>Sizes the projections and the predictor's per-slot memory (<see cref="IOutputPredictor.Prepare"/>).</summary>
    public void Prepare(ClusterView state)
    {
        Prepare(state.Shape);
        _predictor.Prepare(state);
    }

    /// <summary>Between steps: the predictor's housekeeping (<see cref="IOutputPredictor.OnStepped"/>).</summary>
    public void OnStepped(ClusterView state) => _predictor.OnStepped(state);

    private void EnsureSized(ClusterView state) => EnsureSized(state.Ranks, state.BatchSize);

    private void EnsureSized(int ranks, int batch)
    {
        if (ranks == _ranks && batch == _batch) return;
        _ranks = ranks;
        _batch = batch;
        _lastStep = -1;
        _sigLoad = new long[_ranks];
        _sigActive = new int[_ranks];
        _sigBound = new int[_ranks];
        _sigPrompt = new long[_ranks];
        _slotFree = new int[_ranks * _batch];
        _projection = new double[_ranks * _rowCount];
        _envelope = new double[_rowCount];
        _rowTotal = new double[_rowCount];
        _water = new double[_rowCount];
        _rowSteps = new int[_rowCount];
        _expected = new double[_ranks * _rowCount];
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
