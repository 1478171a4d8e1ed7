using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>The greedy fill: ranks take turns, each taking the candidate of least marginal cost.</summary>
public sealed partial class GreedyExchangeSolver
{
    /// <summary>
    /// Fills the rank with the most free slots first (ties: the least weighted load, then the lowest index) with the
    /// candidate of least marginal cost there, mandatory candidates before the rest. One row of costs per
    /// admission: the ranks take turns, so none is left with only slots that must overshoot. A rank's room
    /// is counted after setting aside, for each further request it must take, the smallest candidate's load:
    /// a rank that must still take f requests cannot spend all its room on the first. It must take all its free
    /// slots when the next call refills whatever this one leaves free, and otherwise as many as the other ranks'
    /// free slots cannot hold (all of its own when the call fills every slot, none beyond this one when the others
    /// have room for the rest).
    /// When the call leaves slots free and no other request has arrived to fill them at the next call
    /// (<see cref="PlacementProblem.RefilledNextStep"/>), the free slots stay free and the step being decided is
    /// set by which ranks take the few requests there are: the least loaded rank (row 0, the step's own loads)
    /// takes first, among the ranks whose request count stays under an equal share (TensorRT-LLM's cap: counts
    /// even, so the departures to come hit every rank alike), as longest-first packing balances a step.
    /// </summary>
    private void Greedy()
    {
        var target = _p.AdmitCount;
        _admitLeft = target;
        StartGreedyView();
        _freeTotal = 0;
        for (var g = 0; g < _ranks; g++) _freeTotal += _free[g];
        var lightestFirst = !_p.RefilledNextStep && target < _freeTotal;
        var countCap = lightestFirst ? CountCapInFreeSlots(target) : -1;
        var mandatoryLeft = 0;
        for (var i = 0; i < _count; i++) if (_p.Mandatory(i)) mandatoryLeft++;
        for (var i = 0; i < _stride; i++) _eligible[i] = i < _count && (mandatoryLeft == 0 || _p.Mandatory(i));
        for (var h = 0; h < _rows; h++) // _margin: the smallest candidate load per row
        {
            var min = double.PositiveInfinity;
            for (var i = 0; i < _count; i++) min = Math.Min(min, _soa[h * _stride + i]);
            _margin[h] = _count > 0 ? min : 0.0;
        }
        // Mandatory candidates first, oldest first, each onto the rank where it costs least: they must
        // go in whatever their size, and the rank with the most free slots may be the worst place for one.
        for (var i = 0; i < _count && _admitLeft > 0 && mandatoryLeft > 0; i++)
        {
            if (!_p.Mandatory(i)) continue;
            var g = CheapestRank(i);
            if (g < 0) break;
            Take(i, g);
            mandatoryLeft--;
        }
        if (mandatoryLeft == 0)
            for (var i = 0; i < _stride; i++) _eligible[i] = i < _count && _rankOf[i] < 0;
        if (!lightestFirst) _roomOrder.Build(_free, _weighted, _ranks);
        while (_admitLeft > 0)
        {
            // (Least weighted load, every row, first whenever candidates are fewer than free slots lost on the comparison
            // matrix; least load now under the count cap, only when the free slots stay free, won: docs/compare.md.)
            var g = lightestFirst ? LightestRank(countCap) : _roomOrder.Top;
            if (g < 0) break;
            EvaluateRow(g);
            var pick = _bestOf[g];
            if (pick < 0) break;
            Take(pick, g);
            if (!lightestFirst) _roomOrder.TopTook();
            if (_p.Mandatory(pick) && --mandatoryLeft == 0)
                for (var i = 0; i < _count; i++) _eligible[i] = _rankOf[i] < 0;
        }
    }

    private readonly RoomOrder _roomOrder = new();
    private int _admitLeft;  // requests this fill still admits
    private int _freeTotal;  // free slots left on every rank

    /// <summary>Candidate i goes to rank g: one request fewer to admit, one free slot fewer, and i out of the running.</summary>
    private void Take(int i, int g)
    {
        Assign(i, g);
        _admitLeft--;
        _freeTotal--;
        _eligible[i] = false;
        _view.Took();
    }

    // The greedy fill's view of the candidates in value order, the candidates taken dropped from it now and then.
    private readonly GreedyView _view = new();

    /// <summary>Whether EvaluateRow costs the width of the last pick first (true) or scans in value order only (false: tests
    /// compare the two, whose picks must be the same).</summary>
    internal bool ProbesLastPick { get; init; } = true;

    private void StartGreedyView() =>
        _view.Start(_byValue.AsSpan(0, _count), _value, _soa, _rows, _stride, BlockScanFrom);

    /// <summary>
    /// The greedy reads its view by blocks (<see cref="GreedyBlocks"/>) once the view is this many blocks long: in a short
    /// view a scan in value order reads a few widths and the bounds would cost more than they save. 16 blocks (256
    /// candidates) leaves G=32's calls (a window of 128) as they were and reads G=128's (512) by blocks. The picks are the
    /// same either way (tests compare them); int.MaxValue never reads by blocks.
    /// </summary>
    internal int BlockScanFrom { get; init; } = 16;

    /// <summary>
    /// Solves one made-up decision by blocks, so that reading by blocks is compiled before a real call needs it (see
    /// BfioPolicy's warm-up, whose twin shows too few candidates to read by blocks): at its first use in a G=128 run the
    /// compilation otherwise falls inside a decision. Four equal ranks, so every candidate overshoots every rank's room and
    /// no value floor stops the scan before the blocks. Returns the blocks it read by their bounds.
    /// </summary>
    internal static int CompileBlockReading()
    {
        const int ranks = 4, rows = 3, candidates = 3 * GreedyBlocks.Size;
        var problem = new PlacementProblem();
        problem.Reset(ranks, rows, candidates);
        for (var h = 0; h < rows; h++) problem.Weights[h] = 1.0 / (h + 1);
        for (var g = 0; g < ranks; g++)
        {
            for (var h = 0; h < rows; h++) problem.BaseColumn(g)[h] = 1000 + h;
            problem.Free(g) = 8;
        }
        for (var i = 0; i < candidates; i++)
            for (var h = 0; h < rows; h++) problem.Profile(i)[h] = 100 + (i * 37) % 500 + h;
        problem.AdmitCount = 2 * GreedyBlocks.Size;
        problem.Seal();
        var solver = new GreedyExchangeSolver { BlockScanFrom = 1, ExactPolish = false };
        solver.Solve(problem, new int[candidates]);
        return solver.BlocksRead;
    }

    /// <summary>
    /// Requests rank g must take after the one it takes now: every free slot it has when the next call refills what this
    /// one leaves free (<see cref="PlacementProblem.RefilledNextStep"/>), else only those the other ranks' free slots
    /// cannot hold.
    /// </summary>
    private int SetAside(int g) => _p.RefilledNextStep
        ? _free[g] - 1
        : Math.Min(_free[g], Math.Max(1, _admitLeft - (_freeTotal - _free[g]))) - 1;

    /// <summary>
    /// TensorRT-LLM's equal-count cap, max(⌈(Σ active + admitted)/G⌉, max active), in free slots (B cancels): a rank may
    /// take a request while it has more free slots than this.
    /// </summary>
    private int CountCapInFreeSlots(int admitting)
    {
        var ranks = _p.ScoredRanks;
        var minFree = int.MaxValue;
        for (var r = 0; r < ranks; r++) minFree = Math.Min(minFree, _free[r]);
        return Math.Min((int)Math.Floor((double)(_freeTotal - admitting) / ranks), minFree);
    }

    /// <summary>The rank with more than <paramref name="countCap"/> free slots (any free slot if none has) and the least
    /// load now (row 0; ties: the lowest index), or −1.</summary>
    private int LightestRank(int countCap)
    {
        var g = LightestWithMoreFreeThan(countCap);
        return g >= 0 ? g : LightestWithMoreFreeThan(0);
    }

    private int LightestWithMoreFreeThan(int freeAbove)
    {
        var g = -1;
        for (var r = 0; r < _ranks; r++)
            if (_free[r] > freeAbove && (g < 0 || _load[r * _rows] < _load[g * _rows])) g = r;
        return g;
    }

    /// <summary>The rank with a free slot where candidate i's greedy cost is least (ties: lowest index), or −1.</summary>
    private int CheapestRank(int i)
    {
        var weights = _p.Weights;
        var best = -1;
        var bestCost = Infinity;
        for (var g = 0; g < _ranks; g++)
        {
            if (_free[g] == 0) continue;
            var over = 0.0;
            var setAside = SetAside(g);
            for (var h = 0; h < _rows; h++)
            {
                var margin = _envelope[h] - _load[g * _rows + h] - setAside * _margin[h];
                var d = _soa[h * _stride + i] - margin;
                if (d > 0) over += weights[h] * d;
            }
            if (over < bestCost) { bestCost = over; best = g; }
        }
        return best;
    }

    /// <summary>
    /// The eligible candidate of least cost_g(i) = G·Σ_h w_h max(0, a_i(h) − (M(h) − L_g(h))) − value_i on rank g
    /// (ties: lowest index) into <see cref="_bestOf"/>. Candidates are read a SIMD width at a time (from
    /// <see cref="GreedyView.Profiles"/>), and only where they can still win: the max term is never negative, so
    /// cost_g(i) ≥ −value_i, and in value order (descending) once that floor lies above the best cost no later candidate
    /// can win; in a long view, whole blocks are passed over by their bounds (<see cref="GreedyBlocks"/>), the block of
    /// least bound read first. Each cost is the same sum in the same order whichever candidates are read, and one is passed
    /// over only where it cannot win or tie, so the pick is the one costing every candidate gives. A width whose partial
    /// costs all stand above the best after its first two rows is dropped there: the remaining terms could only raise them.
    /// The width where the last pick stood is costed first (<see cref="GreedyView.Hint"/>): scanned in value order, the costs
    /// mostly fall toward the best, so each width would beat the one before, be costed on every row and be read lane by
    /// lane; with the bound found first, most widths are dropped after two rows. The order changes which widths are
    /// dropped, never the pick: the least (cost, index) among the candidates that could win or tie.
    /// </summary>
    [SkipLocalsInit] // every stackalloc'd entry is written before it is read
    private void EvaluateRow(int g)
    {
        RowEvaluations++;
        if (_view.CompactionDue) _view.Compact(_rankOf);
        var weights = _p.Weights;
        var setAside = SetAside(g);
        // Per weighted row: its weight and rank g's margin, broadcast once, and where its profiles start (rows of weight 0
        // add nothing and are left out).
        Span<Vector<double>> rowWeight = stackalloc Vector<double>[_rows];
        Span<Vector<double>> rowMargin = stackalloc Vector<double>[_rows];
        Span<int> rowStart = stackalloc int[_rows];
        var weighted = 0;
        for (var h = 0; h < _rows; h++)
        {
            if (weights[h] == 0.0) continue;
            rowWeight[weighted] = new Vector<double>(weights[h]);
            rowMargin[weighted] = new Vector<double>(_envelope[h] - _load[g * _rows + h] - setAside * _margin[h]);
            rowStart[weighted] = h * _stride;
            weighted++;
        }
        var width = Vector<double>.Count;
        var zero = Vector<double>.Zero;
        var gv = new Vector<double>(_g);
        Span<double> lanes = stackalloc double[Vector<double>.Count];
        var count = _view.Live;
        var scan = new WidthScan(rowWeight[..weighted], rowMargin[..weighted], rowStart[..weighted], _g, lanes);
        var hint = _view.Hint;
        var probe = ProbesLastPick && hint >= 0 && hint < count ? hint / width * width : -1;
        if (probe >= 0) CostWidth(ref scan, probe, count);
        var best = scan.Best;
        var bestCost = scan.BestCost;
        var bestAt = scan.BestAt;
        // In value order; in a long view, past its first block by the blocks' bounds unless the value floor stopped it.
        var first = _view.ReadsByBlocks(count) ? GreedyBlocks.Size : count;
        var soa = _view.Profiles;
        var valueOrder = _view.Values;
        var start = 0;
        // Read through references, without a bounds check per load: the view's profiles hold every weighted row's
        // entries up to its stride (whole SIMD widths), and start stays below the view's live length.
        ref var profile = ref MemoryMarshal.GetReference(soa);
        ref var value = ref MemoryMarshal.GetReference(valueOrder);
        for (; start < first; start += width)
        {
            if (-Unsafe.Add(ref value, start) > bestCost) break;
            if (start == probe) continue;
            var values = Vector.LoadUnsafe(ref value, (nuint)start);
            var bound = new Vector<double>(bestCost);
            var acc = zero;
            var k = 0;
            if (weighted >= 2)
            {
                acc += rowWeight[0] * Vector.MaxNative(Vector.LoadUnsafe(ref profile, (nuint)(rowStart[0] + start)) - rowMargin[0], zero);
                acc += rowWeight[1] * Vector.MaxNative(Vector.LoadUnsafe(ref profile, (nuint)(rowStart[1] + start)) - rowMargin[1], zero);
                // Every term is ≥ 0, so a partial cost only grows (rounding included): once every lane's stands above
                // the best, none of them can win or tie, and the rest of their rows need not be read. Tested after two
                // rows only: the widths dropped at all were dropped there (2.03 rows read on average at G=128), and a test
                // after every row cost the widths read to the end more than it saved (bursty G=128: 0.97× without).
                if (Vector.GreaterThanAll(gv * acc - values, bound)) continue;
                k = 2;
            }
            for (; k < weighted; k++)
                acc += rowWeight[k] * Vector.MaxNative(Vector.LoadUnsafe(ref profile, (nuint)(rowStart[k] + start)) - rowMargin[k], zero);
            var costs = gv * acc - values;
            // A lane wins only at a cost at most the best (ties go to the older candidate): most blocks have none.
            if (!Vector.LessThanOrEqualAny(costs, bound)) continue;
            costs.CopyTo(lanes);
            PickLane(lanes, start, count, ref best, ref bestCost, ref bestAt);
        }
        if (start >= first && first < count)
        {
            // (The probe's block, if read again, changes nothing: the same costs, the same indices.)
            scan.Best = best;
            scan.BestCost = bestCost;
            scan.BestAt = bestAt;
            ScanBlocks(ref scan, count);
            best = scan.Best;
            bestAt = scan.BestAt;
        }
        _bestOf[g] = best;
        _view.Hint = bestAt;
    }

    private double[] _blockBound = [];

    /// <summary>The view's blocks past the first (read already) in order of least bound, each read width by width, until the
    /// least bound left stands above the best cost by more than any rounding of the costs it bounds.</summary>
    private void ScanBlocks(ref WidthScan scan, int count)
    {
        // The scan's rows as the blocks hold them (h, where the view's profiles start at h·stride).
        var weighted = scan.Weight.Length;
        Span<int> rows = stackalloc int[weighted];
        for (var k = 0; k < weighted; k++) rows[k] = scan.RowStart[k] / _stride;
        var blocks = _view.Blocks.Count;
        // Bounds writes whole SIMD widths: room for the blocks and a width more (EnsureCapacity).
        _view.Blocks.Bounds(rows, scan.Weight, scan.Margin, _g, _blockBound);
        // Whole SIMD widths, the lanes past the last block never least; a block read is struck out (+∞).
        var width = Vector<double>.Count;
        var bound = _blockBound.AsSpan(0, (blocks + width - 1) / width * width);
        bound[blocks..].Fill(double.PositiveInfinity);
        bound[0] = double.PositiveInfinity; // the first block, read in value order already
        while (true)
        {
            // The block of least bound (the first of equal ones): the least over SIMD widths, then where it stands.
            var lanes = new Vector<double>(double.PositiveInfinity);
            for (var k = 0; k < bound.Length; k += width) lanes = Vector.Min(lanes, new Vector<double>(bound.Slice(k, width)));
            var least = double.PositiveInfinity;
            for (var l = 0; l < width; l++) least = Math.Min(least, lanes[l]);
            if (least == double.PositiveInfinity) return;
            var b = bound.IndexOf(least);
            // The bound is G·Σ − largest, and the costs it bounds are sums as large: a margin for their rounding.
            var rounding = 1e-9 * (Math.Abs(least) + 2.0 * Math.Abs(_view.Blocks.Largest(b)) + Math.Abs(scan.BestCost) + 1.0);
            if (least - rounding > scan.BestCost) return;
            bound[b] = double.PositiveInfinity;
            BlocksRead++;
            var end = Math.Min(count, (b + 1) * GreedyBlocks.Size);
            for (var start = b * GreedyBlocks.Size; start < end; start += Vector<double>.Count)
                CostWidth(ref scan, start, count);
        }
    }

    /// <summary>The greedy cost's per-row constants on one rank, and the best candidate found so far.</summary>
    private ref struct WidthScan(ReadOnlySpan<Vector<double>> weight, ReadOnlySpan<Vector<double>> margin, ReadOnlySpan<int> start,
        double ranks, Span<double> lanes)
    {
        public readonly ReadOnlySpan<Vector<double>> Weight = weight;
        public readonly ReadOnlySpan<Vector<double>> Margin = margin;
        public readonly ReadOnlySpan<int> RowStart = start;
        public readonly Vector<double> Ranks = new(ranks);
        public readonly Span<double> Lanes = lanes; // one width's costs, read lane by lane
        public int Best = -1;
        public double BestCost = double.PositiveInfinity;
        public int BestAt = -1; // the best's place in the view
    }

    /// <summary>Costs the width of the greedy view at <paramref name="start"/> and takes its best eligible candidate if it
    /// beats the scan's (strictly lower, or equal and older). <see cref="EvaluateRow"/>'s scan in value order does the same
    /// inline: through this method (a ref struct per width) the G=32 decision median read 2–5% slower.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void CostWidth(ref WidthScan scan, int start, int count)
    {
        var width = Vector<double>.Count;
        var soa = _view.Profiles;
        var values = new Vector<double>(_view.Values.Slice(start, width));
        var bound = new Vector<double>(scan.BestCost);
        var zero = Vector<double>.Zero;
        var acc = zero;
        var rows = scan.Weight.Length;
        ref var profile = ref MemoryMarshal.GetReference(soa); // as in EvaluateRow's scan: whole widths up to the stride
        var k = 0;
        if (rows >= 2)
        {
            acc += scan.Weight[0] * Vector.MaxNative(Vector.LoadUnsafe(ref profile, (nuint)(scan.RowStart[0] + start)) - scan.Margin[0], zero);
            acc += scan.Weight[1] * Vector.MaxNative(Vector.LoadUnsafe(ref profile, (nuint)(scan.RowStart[1] + start)) - scan.Margin[1], zero);
            // As in EvaluateRow's scan: once every lane's partial cost stands above the best after two rows, none of
            // them can win or tie.
            if (Vector.GreaterThanAll(scan.Ranks * acc - values, bound)) return;
            k = 2;
        }
        for (; k < rows; k++)
            acc += scan.Weight[k] * Vector.MaxNative(Vector.LoadUnsafe(ref profile, (nuint)(scan.RowStart[k] + start)) - scan.Margin[k], zero);
        var costs = scan.Ranks * acc - values;
        // A lane wins only at a cost at most the best (ties go to the older candidate): most blocks have none.
        if (!Vector.LessThanOrEqualAny(costs, bound)) return;
        costs.CopyTo(scan.Lanes);
        PickLane(scan.Lanes, start, count, ref scan.Best, ref scan.BestCost, ref scan.BestAt);
    }

    /// <summary>The width at <paramref name="start"/>'s costs in <paramref name="lanes"/>: takes its best eligible candidate
    /// if it beats <paramref name="best"/> (strictly lower, or equal and older), and its place in the view into
    /// <paramref name="bestAt"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void PickLane(ReadOnlySpan<double> lanes, int start, int count, ref int best, ref double bestCost, ref int bestAt)
    {
        var end = Math.Min(Vector<double>.Count, count - start);
        var ids = _view.Ids;
        for (var l = 0; l < end; l++)
        {
            var i = ids[start + l];
            if (!_eligible[i]) continue;
            var cost = lanes[l];
            // Strictly lower wins, ties go to the earlier (older) candidate.
            if (cost < bestCost || (cost == bestCost && i < best)) { bestCost = cost; best = i; bestAt = start + l; }
        }
    }
}
