using System.Numerics;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// The production solver for <see cref="PlacementProblem"/>: greedy by the objective's exact marginal
/// cost, then improving exchanges until none lowers the objective — replace an admitted candidate by a
/// queued one, move one to another rank, swap two between ranks. Its cost depends on ranks, candidates
/// and horizon rows, never on token counts; it allocates nothing once its buffers have grown.
/// </summary>
/// <remarks>
/// Two exact prunings keep the exchanges cheap. A move or swap keeps the admitted set, so it changes only
/// the G·max term: it can help only if one of its two ranks is the unique maximum at some weighted row
/// ("critical"). A replacement on a non-critical rank cannot lower any maximum, so it helps only if the
/// newcomer carries more weighted load (plus aging bonus) than the one it replaces.
/// Greedy costs are computed for the rank about to take its next request, candidates by value until none left can
/// beat the best; exchanges of candidates on critical ranks are evaluated for all candidates at once (SIMD).
/// The phases live in their own files: GreedyExchangeSolver.Greedy.cs (the fill), .Exchanges.cs (the improving
/// exchanges) and .EjectionChain.cs (chains of replacements). The parts they share are classes of their own, each tested
/// alone: <see cref="RowLeaders"/> keeps each row's envelope through the exchanges (its three largest loads; the fill, which
/// only admits, keeps each row's maximum alone), <see cref="RankMembers"/> the
/// candidates on each rank, <see cref="RoomOrder"/> the fill's turn order (most free slots first),
/// <see cref="GreedyView"/> the fill's candidates in value order and <see cref="GreedyBlocks"/> the bounds by which it
/// passes over blocks of a long one; <see cref="CriticalRanks"/> the ranks holding a row's maximum alone,
/// <see cref="ExchangeCosts"/> what each exchange of a candidate does to the max term, <see cref="QueuedView"/> the
/// queued candidates in value order and <see cref="SearchWorklist"/> which admitted candidates are still to search.
/// </remarks>
public sealed partial class GreedyExchangeSolver
{
    private const double Infinity = double.PositiveInfinity;

    private PlacementProblem _p = null!;
    private int _ranks;
    private int _rows;
    private int _count;
    private int _stride; // candidates padded to the SIMD width
    private double _g;

    private double[] _load = [];      // [g·rows + h]
    private int[] _free = [];
    private int[] _rankOf = [];
    private double[] _value = [];     // Σ_h w_h a_i(h) + b_i: what admitting i earns besides the max term
    private double[] _soa = [];       // [h·stride + i]: profiles, row-major for SIMD over candidates
    private double[] _margin = [];
    private int[] _bestOf = [];
    private bool[] _eligible = [];
    private readonly RowLeaders _leaders = new(); // per row, the three largest rank loads
    private readonly CriticalRanks _critical = new();
    private int[] _byValue = [];      // unassigned-or-not candidates by value, descending
    private int[] _valuePlace = [];   // [i]: i's place in _byValue
    private long _budgetLeft;
    private double[] _weighted = [];  // Σ_h w_h L_g(h) per rank
    private ReadOnlySpan<double> _profiles => _p.Profiles; // [i·rows + h], candidate-major


    private readonly ExactPlacementSolver _exact = new(ExactPolishNodes);

    /// <summary>
    /// Instances whose whole search tree is at most this many leaves ((ranks with room + 1)^candidates)
    /// are finished by branch and bound seeded with the exchange result: small decisions (a few waiting
    /// requests, as under light timed arrivals) are then solved exactly, large ones never pay for it.
    /// </summary>
    public const long ExactPolishNodes = 50_000;

    /// <summary>Passes of improving exchanges after the greedy fill (-1 = until none improves).</summary>
    public int MaxSweeps { get; set; } = -1;

    /// <summary>
    /// Work on exchanges per solve at most, in exchanges evaluated (0 = no limit): a deterministic bound on decision
    /// time. Counted per exchange, not per horizon row, so a longer horizon buys the same search, each exchange costing
    /// more. Those that can lower a maximum (involving a critical rank) are tried first in every pass.
    /// </summary>
    public long MaxEvaluations { get; set; }

    /// <summary>False to measure the greedy-and-exchange heuristic alone.</summary>
    public bool ExactPolish { get; init; } = true;

    /// <summary>Whether the last solve was finished (and proved optimal) by branch and bound.</summary>
    public bool PolishedExactly { get; private set; }

    /// <summary>Improving exchanges applied by the last solve.</summary>
    public int Exchanges { get; private set; }

    /// <summary>Greedy rows recomputed by the last solve (diagnostics).</summary>
    public int RowEvaluations { get; private set; }

    /// <summary>Blocks of candidates the last solve's greedy fill read by their bounds (diagnostics; see GreedyBlocks).</summary>
    public int BlocksRead { get; private set; }

    /// <summary>Writes the assignment (rank per candidate, −1 = stays queued) and returns its objective.</summary>
    public double Solve(PlacementProblem problem, Span<int> rankOf)
    {
        Load(problem);
        RowEvaluations = 0;
        BlocksRead = 0;
        Exchanges = 0;
        Greedy();
        Improve();
        if (EjectionChain()) Improve();
        _rankOf.AsSpan(0, _count).CopyTo(rankOf);
        var objective = CurrentObjective();
        PolishedExactly = false;
        // With nothing to admit, everything stays queued: the only assignment there is. Its search tree has one leaf,
        // but branch and bound would still build its bounds, O(candidates² × rows).
        if (ExactPolish && _p.AdmitCount > 0 && SearchTreeIsSmall())
        {
            var exact = _exact.Solve(problem, rankOf, objective);
            PolishedExactly = _exact.Finished;
            return exact;
        }
        return objective;
    }

    private bool SearchTreeIsSmall()
    {
        var open = 1;
        for (var g = 0; g < _ranks; g++) if (_p.Free(g) > 0) open++;
        var leaves = 1.0;
        for (var i = 0; i < _count; i++)
        {
            leaves *= open;
            if (leaves > ExactPolishNodes) return false;
        }
        return true;
    }

    private void Load(PlacementProblem problem)
    {
        _p = problem;
        _ranks = problem.Ranks;
        _rows = problem.Rows;
        _count = problem.Candidates;
        _g = problem.ScoredRanks;
        _stride = Stride(_count);
        EnsureCapacity(_ranks, _rows, _count);
        _leaders.Reset(_ranks, _rows);
        _critical.Reset(_ranks);

        problem.BaseLoads.CopyTo(_load);
        problem.FreeSlots.CopyTo(_free);
        Array.Fill(_rankOf, -1, 0, _count);
        _worklist.Reset(_count);
        _queued.MarkStale();
        _members.Reset(_ranks, _count);
        var weights = problem.Weights;
        for (var g = 0; g < _ranks; g++)
        {
            var weighted = 0.0;
            for (var h = 0; h < _rows; h++) weighted += weights[h] * _load[g * _rows + h];
            _weighted[g] = weighted;
        }
        var profiles = problem.Profiles;
        for (var i = 0; i < _count; i++) _value[i] = problem.Reward(i) + problem.Bonus(i);
        // Row by row, each row written in order: a candidate's rows written one after another lie a pitch apart (4 KiB for
        // 512 candidates), addresses the cache maps alike (a G=128 ramp call: 12 µs, 4 row by row; the same below).
        for (var h = 0; h < _rows; h++)
        {
            var row = _soa.AsSpan(h * _stride, _count);
            for (var i = 0; i < row.Length; i++) row[i] = profiles[i * _rows + h];
        }
        for (var h = 0; h < _rows; h++) _soa.AsSpan(h * _stride + _count, _stride - _count).Clear();
        _value.AsSpan(_count, _stride - _count).Clear();
        // Candidates by value, descending (ties by index): the greedy fill and the exchanges read them in this order.
        OrderByValue();
        StartEnvelope();
    }

    private static void Ensure<T>(ref T[] array, int length) => Buffers.Ensure(ref array, length);

    /// <summary>Candidates padded to the SIMD width: the pitch of the row-major candidate buffers.</summary>
    private static int Stride(int count)
    {
        var width = Vector<double>.Count;
        return Math.Max(width, (count + width - 1) / width * width);
    }

    /// <summary>
    /// Grows every buffer a solve reads to hold <paramref name="ranks"/> ranks, <paramref name="rows"/> rows and
    /// <paramref name="candidates"/> candidates, ahead of the first problem that large (see BfioPolicy.Prepare): a buffer
    /// grown inside a solve is allocated, zeroed and first touched there (a G=128 run whose planned rows went from 6 to
    /// 14 at one call spent 1.1–1.3 ms loading that problem instead of 20 µs).
    /// </summary>
    internal void Reserve(int ranks, int rows, int candidates)
    {
        EnsureCapacity(ranks, rows, candidates);
        _leaders.Reset(ranks, rows);
        _members.Reset(ranks, candidates);
    }

    private void EnsureCapacity(int ranks, int rows, int count)
    {
        var stride = Stride(count);
        var rankStride = (ranks + Vector<double>.Count - 1) / Vector<double>.Count * Vector<double>.Count;
        Ensure(ref _load, ranks * rows);
        Ensure(ref _free, ranks);
        Ensure(ref _rankOf, count);
        Ensure(ref _value, stride);
        Ensure(ref _soa, rows * stride);
        Ensure(ref _margin, rows);
        Ensure(ref _envelope, rows);
        Ensure(ref _bestOf, ranks);
        Ensure(ref _eligible, stride);
        Ensure(ref _byValue, count);
        Ensure(ref _valuePlace, count);
        _queued.Reserve(rows, stride, count);
        Ensure(ref _valueKeys, 2 * count);
        Ensure(ref _valueIndices, count);
        _worklist.Reserve(count);
        Ensure(ref _criticalSoa, rows * stride);
        Ensure(ref _criticalLoad, rows * stride);
        Ensure(ref _criticalRank, stride);
        Ensure(ref _criticalAcc, stride);
        Ensure(ref _chainBest, count);
        Ensure(ref _inserted, count);
        Ensure(ref _weighted, ranks);
        _costs.Reserve(rows);
        Ensure(ref _replaceAcc, stride);
        Ensure(ref _swapAcc, stride);
        Ensure(ref _partnerRank, stride);
        Ensure(ref _partnerLoad, rows * stride);
        Ensure(ref _loadByRow, rows * rankStride);
        Ensure(ref _moveAcc, rankStride);
        Ensure(ref _noProfile, rows * rankStride); // never written: zeros
        if (_rankLane.Length < rankStride)
        {
            Ensure(ref _rankLane, rankStride);
            for (var r = 0; r < _rankLane.Length; r++) _rankLane[r] = r; // each lane holds its rank's index
        }
        Ensure(ref _blockBound, (count + GreedyBlocks.Size - 1) / GreedyBlocks.Size + Vector<double>.Count);
        _view.Reserve(rows, stride, count);
        _critical.Reserve(ranks, rows, count);
        _roomOrder.Reserve(ranks);
    }

    // ---------------------------------------------------------------- envelope

    private void RebuildTop()
    {
        _leaders.Rebuild(_load);
        UpdateCritical();
    }

    /// <summary>After an exchange changed ranks a and b (−1 = none) only.</summary>
    private void RefreshTop(int a, int b)
    {
        // Only exchanges refresh the envelope, and they keep the row-major copy of the loads current (Apply): rows to scan
        // again are read from it.
        _leaders.Refresh(_load, a, b, _loadByRow, _rankStride);
        UpdateCritical();
    }

    /// <summary>The critical ranks (<see cref="CriticalRanks"/>) from the rows' leaders now; the lanes costed for their
    /// candidates are laid out afresh when next read.</summary>
    private void UpdateCritical()
    {
        _critical.Update(_leaders, _p.Weights, _rows, _members);
        _criticalLanesStale = true;
    }

    // Candidates admitted to each rank, so work after an exchange touches only the ranks it changed.
    private readonly RankMembers _members = new();

    // Each row's largest load, all the greedy fill reads of the envelope: it only admits, so a row's maximum only rises, and
    // the exchanges that follow scan every row's three leading ranks afresh (Improve). Keeping the three through the fill
    // cost the G=32 median call 3% for nothing read.
    private double[] _envelope = [];

    /// <summary>Every row's largest load before the fill (the same maximum <see cref="RowLeaders"/> finds).</summary>
    private void StartEnvelope()
    {
        _envelope.AsSpan(0, _rows).Fill(double.NegativeInfinity);
        for (var g = 0; g < _ranks; g++)
        {
            var column = _load.AsSpan(g * _rows, _rows);
            for (var h = 0; h < _rows; h++) _envelope[h] = Math.Max(_envelope[h], column[h]);
        }
    }

    private void Assign(int i, int g)
    {
        _weighted[g] += _p.Reward(i);
        _rankOf[i] = g;
        _worklist.Admit(i);
        _queued.MarkStale();
        _members.Add(i, g);
        _free[g]--;
        var column = _load.AsSpan(g * _rows, _rows);
        for (var h = 0; h < _rows; h++)
        {
            column[h] += _soa[h * _stride + i];
            _envelope[h] = Math.Max(_envelope[h], column[h]);
        }
    }

    private void Unassign(int i)
    {
        var g = _rankOf[i];
        _rankOf[i] = -1;
        _worklist.Queue(i);
        _queued.MarkStale();
        _members.Remove(i, g);
        _free[g]++;
        var column = _load.AsSpan(g * _rows, _rows);
        for (var h = 0; h < _rows; h++) column[h] -= _soa[h * _stride + i];
    }

    /// <summary>Candidates by value, descending, ties by index, into <see cref="_byValue"/> (<see cref="ValueOrder"/>), and
    /// each one's place in that order into <see cref="_valuePlace"/>.</summary>
    private void OrderByValue()
    {
        ValueOrder.Sort(_value.AsSpan(0, _count), _valueKeys, _valueIndices, _byValue);
        for (var k = 0; k < _count; k++) _valuePlace[_byValue[k]] = k;
    }

    private ulong[] _valueKeys = [];
    private int[] _valueIndices = [];

    private double CurrentObjective()
    {
        var objective = PlacementProblem.Objective(_load.AsSpan(0, _ranks * _rows), _ranks, _p.ScoredRanks, _rows, _p.Weights);
        for (var i = 0; i < _count; i++)
            if (_rankOf[i] >= 0) objective -= _p.Bonus(i);
        return objective;
    }
}
