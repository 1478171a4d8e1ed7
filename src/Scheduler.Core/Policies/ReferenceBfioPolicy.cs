using System.Numerics;
using Scheduler.Core.Model;

namespace Scheduler.Core.Policies;

/// <summary>
/// BF-IO exactly as the paper's public simulator implements it (SPEC §3 "bfio-ref"), quirks included:
/// a projection without decode growth, a greedy fill while more than 7 slots are free, then a heap of
/// ranks each given the exact-cardinality subset the reference's bitset DP picks. Horizon 0 is the
/// paper's guaranteed H=0 variant.
/// </summary>
public sealed class ReferenceBfioPolicy : IPlacementPolicy
{
    private readonly int _horizon;
    private readonly double _tokenSeconds;
    private readonly MarginScore _score = new();
    private readonly CardinalitySubsetSums _subsets = new();
    private readonly RankScoreHeap _heap = new();
    private readonly SizeOrder _sizeOrder = new();

    private double[] _projection = []; // column-major: rank g occupies [g·rows, (g+1)·rows)
    private double[] _envelope = [];
    private long[] _bucket = [];
    private int[] _slots = [];  // per running request of one rank: its departure bucket
    private int[] _masses = []; // and its mass
    private const int JunkBuckets = 4;
    private int[] _queue = [];
    private int[] _queueSize = []; // each queued entry's prompt, entry for entry: the fine fill reads them per round
    private int[] _queueOrigin = []; // each queued entry's position at call start, to keep queue order on ties
    private long[] _sortedCandidates = []; // (prompt << 32 | origin), ascending: the greedy phase's candidates
    private int _queueCount;
    private bool _sortedValid; // _sortedCandidates mirrors the queue (whole queue within the window)
    private bool[] _chosenOrigin = [];
    private int[] _sortedSizes = [];
    private bool[] _chosen = [];
    private int[] _free = []; // free slots per rank, kept through the greedy phase
    private bool[] _taken = []; // by origin: admitted in the greedy phase, until the queue is compacted
    private int _rows;

    public ReferenceBfioPolicy(int horizon = ReferenceConstants.BfioDefaultHorizon, string? name = null,
        double tokenSeconds = ReferenceConstants.TokenSeconds)
    {
        if (horizon < 0) throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "horizon must be ≥ 0");
        _horizon = horizon;
        _tokenSeconds = tokenSeconds;
        Name = name ?? "bfio-ref";
    }

    public string Name { get; }

    public int Horizon => _horizon;

    /// <summary>
    /// False: every greedy pick scans the candidate window and the fine fill sorts its own sizes, the reference's own
    /// procedure. True (the default): when the whole queue fits the window, picks come from candidates sorted by size
    /// once per call, which must give the same admissions (tests hold the two side by side).
    /// </summary>
    internal bool SizeSortedPicks { get; init; } = true;

    public void Place(ClusterView state)
    {
        if (state.QueueCount == 0) return;
        var horizon = Math.Min(_horizon, Math.Max(1, state.MaxPredictedRemaining(_horizon)));
        Project(state, horizon);
        LoadQueue(state);

        GreedyFill(state);
        if (_queueCount == 0 || state.TotalFreeSlots() == 0) return;
        FineFill(state, horizon);
    }

    private void Project(ClusterView state, int horizon)
    {
        var rows = horizon + 1;
        var ranks = state.Ranks;
        _rows = rows;
        if (_projection.Length < rows * ranks) _projection = new double[rows * ranks];
        if (_envelope.Length < rows) _envelope = new double[rows];
        if (_bucket.Length < rows + JunkBuckets) _bucket = new long[rows + JunkBuckets];
        if (_slots.Length < state.BatchSize)
        {
            _slots = new int[state.BatchSize];
            _masses = new int[state.BatchSize];
        }
        var envelope = _envelope.AsSpan(0, rows);
        envelope.Fill(double.NegativeInfinity);

        for (var g = 0; g < ranks; g++)
        {
            var column = _projection.AsSpan(g * rows, rows);
            var load = state.Load(g);
            column[0] = load;
            if (state.ActiveCount(g) == 0)
            {
                column[1..].Clear();
                RaiseEnvelope(envelope, column);
                continue;
            }
            // Token counts are integers, so integer buckets hold exactly what the reference's float sums hold.
            var bucket = _bucket.AsSpan(0, rows + JunkBuckets);
            bucket.Clear();
            var prompts = state.ActivePromptTokens(g);
            var admitted = state.ActiveAdmitSteps(g);
            var predicted = state.ActivePredictedOutputs(g);
            var n = prompts.Length;
            var slots = _slots.AsSpan(0, n);
            var masses = _masses.AsSpan(0, n);
            BucketIndices(prompts, admitted, predicted, state.Step, horizon, slots, masses);
            for (var k = 0; k < n; k++) bucket[slots[k]] += masses[k];
            // In integers too: the running sum is then a chain of one-cycle adds, with the same exact values.
            long departed = 0;
            for (var t = 1; t < rows; t++)
            {
                departed += bucket[t];
                column[t] = load - departed;
            }
            RaiseEnvelope(envelope, column);
        }
    }

    /// <summary>
    /// Per running request, its departure bucket and its mass (prompt + tokens generated so far): requests expected
    /// to leave within the horizon go to bucket = steps left (1..H), the rest to four unread buckets past the end,
    /// in turn, so that the adds that follow form no long chain on one address. A vector pass computes them all,
    /// leaving only the adds to run one by one.
    /// </summary>
    private static void BucketIndices(ReadOnlySpan<int> prompts, ReadOnlySpan<int> admitted, ReadOnlySpan<int> predicted,
        int step, int horizon, Span<int> slots, Span<int> masses)
    {
        var n = prompts.Length;
        var rows = horizon + 1;
        var k = 0;
        var width = Vector<int>.Count;
        if (n >= width)
        {
            var stepV = new Vector<int>(step);
            var horizonV = new Vector<uint>((uint)horizon);
            Span<int> junkLanes = stackalloc int[width];
            for (var l = 0; l < width; l++) junkLanes[l] = rows + (l & (JunkBuckets - 1));
            var junk = new Vector<int>(junkLanes);
            for (; k + width <= n; k += width)
            {
                var gen = stepV - new Vector<int>(admitted[k..]);
                var early = new Vector<int>(predicted[k..]) - gen - Vector<int>.One;
                var inside = Vector.AsVectorInt32(Vector.LessThan(Vector.AsVectorUInt32(early), horizonV));
                Vector.ConditionalSelect(inside, early + Vector<int>.One, junk).CopyTo(slots[k..]);
                (new Vector<int>(prompts[k..]) + gen).CopyTo(masses[k..]);
            }
        }
        for (; k < n; k++)
        {
            var gen = step - admitted[k];
            var early = (uint)(predicted[k] - gen - 1);
            slots[k] = early < (uint)horizon ? (int)early + 1 : rows + (k & (JunkBuckets - 1));
            masses[k] = prompts[k] + gen;
        }
    }

    private static void RaiseEnvelope(Span<double> envelope, ReadOnlySpan<double> column)
    {
        var width = Vector<double>.Count;
        var t = 0;
        for (; t + width <= column.Length; t += width)
            Vector.MaxNative(new Vector<double>(envelope[t..]), new Vector<double>(column[t..])).CopyTo(envelope[t..]);
        for (; t < column.Length; t++)
            if (column[t] > envelope[t]) envelope[t] = column[t];
    }

    private void LoadQueue(ClusterView state)
    {
        var queue = state.Queue;
        var n = queue.Length;
        if (_queue.Length < n)
        {
            _queue = new int[n];
            _queueSize = new int[n];
            _queueOrigin = new int[n];
            _sortedCandidates = new long[n];
        }
        queue.CopyTo(_queue);
        for (var i = 0; i < n; i++) _queueSize[i] = state.PromptTokens(queue[i]);
        _queueCount = n;
        for (var i = 0; i < n; i++) _queueOrigin[i] = i;
        // Sorted once here or never this call: a queue that starts longer than the window is scanned to the end of
        // the call, even after the picks shrink it below the window.
        _sortedValid = SizeSortedPicks && n <= ReferenceConstants.BfioCandidateWindow;
        if (!_sortedValid) return;
        var sorted = _sortedCandidates.AsSpan(0, n);
        for (var i = 0; i < n; i++) sorted[i] = ((long)_queueSize[i] << 32) | (uint)i;
        _sizeOrder.Sort(sorted);
    }

    /// <summary>Where the request that started the call at queue position <paramref name="origin"/> is now.</summary>
    private int PositionInQueue(int origin) => _queueOrigin.AsSpan(0, _queueCount).BinarySearch(origin);

    private ReadOnlySpan<double> Column(int rank) => _projection.AsSpan(rank * _rows, _rows);

    private void AddMass(int rank, long mass)
    {
        var column = _projection.AsSpan(rank * _rows, _rows);
        var envelope = _envelope.AsSpan(0, _rows);
        var width = Vector<double>.Count;
        var add = new Vector<double>(mass);
        var t = 0;
        for (; t + width <= column.Length; t += width)
        {
            var v = new Vector<double>(column[t..]) + add;
            v.CopyTo(column[t..]);
            Vector.MaxNative(v, new Vector<double>(envelope[t..])).CopyTo(envelope[t..]);
        }
        for (; t < column.Length; t++)
        {
            var v = column[t] + mass;
            column[t] = v;
            if (v > envelope[t]) envelope[t] = v;
        }
    }

    private void GreedyFill(ClusterView state)
    {
        var ranks = state.Ranks;
        if (_free.Length < ranks) _free = new int[ranks];
        var free = _free.AsSpan(0, ranks);
        var totalFree = 0;
        for (var g = 0; g < ranks; g++)
        {
            free[g] = state.FreeSlots(g);
            totalFree += free[g];
        }
        if (_sortedValid) GreedyFillSorted(state, free, totalFree);
        else GreedyFillWindow(state, free, totalFree);
    }

    /// <summary>The rank with the most free slots, the least loaded of those (the first on ties), or −1.</summary>
    private int GreedyRank(ReadOnlySpan<int> free)
    {
        var rank = -1;
        var maxFree = 0;
        var rankLoad = double.PositiveInfinity;
        for (var g = 0; g < free.Length; g++)
        {
            var f = free[g];
            if (f < maxFree || f <= 0) continue;
            var load = _projection[g * _rows];
            if (f > maxFree) { maxFree = f; rank = g; rankLoad = load; }
            else if (load < rankLoad) { rank = g; rankLoad = load; }
        }
        return rank;
    }

    /// <summary>
    /// The greedy phase when the whole queue is the window: each pick comes from the size-sorted candidates in one
    /// walk. The queue is compacted once at the end, so during the phase a candidate's position is its origin.
    /// </summary>
    private void GreedyFillSorted(ClusterView state, Span<int> free, int totalFree)
    {
        var remaining = _queueCount;
        var admitted = 0;
        if (_taken.Length < _queueCount) _taken = new bool[_sortedCandidates.Length];
        while (remaining > 0 && totalFree > ReferenceConstants.BfioGreedySlotThreshold)
        {
            var rank = GreedyRank(free);
            if (rank < 0) break;
            var pick = _score.ArgMaxFast(Column(rank), _envelope.AsSpan(0, _rows), _sortedCandidates.AsSpan(0, remaining));
            if (pick < 0) break;
            var key = _sortedCandidates[pick];
            _sortedCandidates.AsSpan(pick + 1, remaining - pick - 1).CopyTo(_sortedCandidates.AsSpan(pick));
            remaining--;
            var origin = (int)(key & 0xFFFFFFFFL);
            state.Admit(_queue[origin], rank);
            _taken[origin] = true;
            admitted++;
            free[rank]--;
            totalFree--;
            AddMass(rank, key >> 32);
        }
        if (admitted == 0) return;
        var kept = 0;
        for (var i = 0; i < _queueCount; i++)
        {
            if (_taken[i]) { _taken[i] = false; continue; }
            _queue[kept] = _queue[i];
            _queueSize[kept] = _queueSize[i];
            _queueOrigin[kept++] = i;
        }
        _queueCount = kept;
    }

    /// <summary>The greedy phase on a queue longer than the window: the reference's own scan per pick.</summary>
    private void GreedyFillWindow(ClusterView state, Span<int> free, int totalFree)
    {
        while (_queueCount > 0 && totalFree > ReferenceConstants.BfioGreedySlotThreshold)
        {
            var rank = GreedyRank(free);
            if (rank < 0) return;
            _score.Build(Column(rank), _envelope.AsSpan(0, _rows));
            var best = ScanWindow();
            if (best < 0) return;
            var id = _queue[best];
            state.Admit(id, rank);
            free[rank]--;
            totalFree--;
            RemoveAt(best);
            AddMass(rank, state.PromptTokens(id));
        }
    }

    /// <summary>The reference's own scan of the candidate window, for queues longer than the window.</summary>
    private int ScanWindow()
    {
        var window = Math.Min(ReferenceConstants.BfioCandidateWindow, _queueCount);
        var best = -1;
        var bestScore = double.NegativeInfinity;
        for (var i = 0; i < window; i++)
        {
            var s = _queueSize[i];
            if (s <= 0) continue;
            var f = _score.Evaluate(s);
            if (f > bestScore) { bestScore = f; best = i; }
        }
        if (best >= 0) return best;
        for (var i = 0; i < window; i++)
        {
            var f = _score.Evaluate(_queueSize[i]);
            if (f > bestScore) { bestScore = f; best = i; }
        }
        return best;
    }

    private double Lambda(ClusterView state, int horizon)
    {
        int remainingSteps;
        if (horizon == 0) remainingSteps = 0;
        else
        {
            remainingSteps = horizon;
            // The envelope is the row maximum of the projection (AddMass keeps it so), so read it directly.
            for (var t = 1; t <= horizon; t++)
            {
                if (_envelope[t] <= ReferenceConstants.BfioEpsilon) { remainingSteps = t; break; }
            }
        }
        var clock = state.Clock;
        // The reference's unit mix-up, kept on purpose: steps times seconds-per-token.
        var lambda = clock / (clock + remainingSteps * _tokenSeconds + ReferenceConstants.BfioEpsilon);
        return Math.Clamp(lambda, 0.0, 1.0);
    }

    private double HeapScore(int rank, double lambda) =>
        (1.0 - lambda) * _projection[rank * _rows] + lambda * _projection[rank * _rows + _rows - 1];

    private void FineFill(ClusterView state, int horizon)
    {
        var lambda = Lambda(state, horizon);
        _heap.Clear();
        var totalFree = 0;
        for (var g = 0; g < state.Ranks; g++)
        {
            var free = state.FreeSlots(g);
            if (free <= 0) continue;
            totalFree += free;
            _heap.Push(HeapScore(g, lambda), g);
        }
        var maxRounds = Math.Min(ReferenceConstants.BfioMaxFineRounds, totalFree);
        var rounds = 0;
        while (_heap.Count > 0 && _queueCount > 0 && rounds < maxRounds)
        {
            var (_, rank) = _heap.Pop();
            var slots = state.FreeSlots(rank);
            if (slots <= 0) continue;

            var window = Math.Min(ReferenceConstants.BfioCandidateWindow, _queueCount);
            var mass = ChooseSubset(rank, window, slots);

            for (var i = 0; i < window; i++)
                if (_chosen[i]) state.Admit(_queue[i], rank);
            RemoveChosen(window);
            AddMass(rank, mass);
            if (state.FreeSlots(rank) > 0) _heap.Push(HeapScore(rank, lambda), rank);
            rounds++;
        }
    }

    /// <summary>
    /// The largest subset sum the search below can ask about: the largest at most <paramref name="safe"/>, and the
    /// smallest above it, which is at most safe + the heaviest item. (Walk from the k lightest items, at most safe, to
    /// any k-subset above safe by single swaps: each moves the sum by less than the heaviest item, so the first sum past
    /// safe is within that of it.) If even the k lightest exceed safe, they are the smallest, at most
    /// <paramref name="lightest"/> (the kMax lightest). Sums beyond are never read, so the bitsets stop there.
    /// </summary>
    internal static long SumsNeeded(long safe, long heaviest, long lightest) => Math.Max(safe + heaviest, lightest);

    /// <summary>Marks the chosen window positions in <see cref="_chosen"/> and returns their prompt sum.</summary>
    private long ChooseSubset(int rank, int window, int slots)
    {
        if (_sortedSizes.Length < window)
        {
            _sortedSizes = new int[window];
            _chosen = new bool[window];
        }
        ReadOnlySpan<int> sizes = _queueSize.AsSpan(0, window);
        _chosen.AsSpan(0, window).Clear();

        // The fast form decides unless two scores it compares are within its rounding bound; then the reference's
        // own evaluation decides instead.
        _score.PrepareFast(Column(rank), _envelope.AsSpan(0, _rows));
        var safe = _score.SafeBound;

        var sorted = _sortedSizes.AsSpan(0, window);
        var wholeQueueSorted = _sortedValid && window == _queueCount;
        if (wholeQueueSorted)
        {
            // The size-sorted candidates already hold the queue: read the largest off their end.
            for (var i = 0; i < window; i++) sorted[i] = (int)(_sortedCandidates[window - 1 - i] >> 32);
        }
        else
        {
            sizes.CopyTo(sorted);
            sorted.Sort();
            sorted.Reverse();
        }
        var kMax = Math.Min(slots, window);
        long capMax = 0, lightest = 0;
        for (var i = 0; i < kMax; i++)
        {
            capMax += sorted[i];
            lightest += sorted[window - 1 - i];
        }
        _subsets.Run(sizes, kMax, Math.Max(1, Math.Min(capMax, SumsNeeded(safe, sorted[0], lightest))));

        var exact = false;
        if (!TryPickCardinality(kMax, sorted, safe, capMax, exact, out var bestK, out var bestSum, out var bestScore))
        {
            exact = true;
            _score.Build(Column(rank), _envelope.AsSpan(0, _rows));
            TryPickCardinality(kMax, sorted, safe, capMax, exact, out bestK, out bestSum, out bestScore);
        }

        if (bestK == 0 || bestScore <= 0.0)
        {
            var single = -1;
            if (wholeQueueSorted)
            {
                // The queue is the window: the greedy phase's pick over the size-sorted candidates is this one.
                var pick = _score.ArgMaxFast(Column(rank), _envelope.AsSpan(0, _rows), _sortedCandidates.AsSpan(0, window));
                single = PositionInQueue((int)(_sortedCandidates[pick] & 0xFFFFFFFFL));
            }
            else
            {
                if (!exact) _score.Build(Column(rank), _envelope.AsSpan(0, _rows));
                var singleScore = double.NegativeInfinity;
                for (var i = 0; i < window; i++)
                {
                    var f = _score.Evaluate(sizes[i]);
                    if (f > singleScore) { singleScore = f; single = i; }
                }
            }
            _chosen[single] = true;
            return sizes[single];
        }

        var remainingSum = bestSum;
        var remainingCount = bestK;
        for (var i = window - 1; i >= 0 && remainingCount > 0; i--)
        {
            var s = sizes[i];
            if (remainingSum >= s && _subsets.ReachableBefore(remainingCount - 1, remainingSum - s, i))
            {
                _chosen[i] = true;
                remainingSum -= s;
                remainingCount--;
            }
        }
        return bestSum;
    }

    /// <summary>
    /// The reference's choice of cardinality: for k from the most down, the k-subset sum closest to the safe bound
    /// (the largest at most it, else the smallest above), kept when it scores strictly higher, stopping at the first
    /// kept sum that is safe. With <paramref name="exact"/> false scores come from the fast form, and the answer is
    /// only trusted (true) when no comparison it made, nor the sign test after it, was within the rounding bound.
    /// </summary>
    private bool TryPickCardinality(int kMax, ReadOnlySpan<int> sorted, long safe, long capMax, bool exact,
        out int bestK, out long bestSum, out double bestScore)
    {
        bestK = 0;
        bestSum = 0;
        bestScore = double.NegativeInfinity;
        var prefix = capMax;
        var bound = exact ? 0.0 : _score.FastRoundingBound(capMax);
        for (var k = kMax; k >= 1; k--)
        {
            var cap = Math.Max(1, prefix);
            prefix -= sorted[k - 1];
            long sum = -1;
            if (safe >= 1) sum = _subsets.LargestAtMost(k, safe);
            if (sum < 0 && safe + 1 <= cap) sum = _subsets.SmallestInRange(k, safe + 1, cap);
            if (sum < 0) continue;
            var f = exact ? _score.Evaluate(sum) : _score.EvaluateFast(sum);
            // Equal sums score equally either way; different ones must be told apart beyond rounding.
            if (!exact && sum != bestSum && Math.Abs(f - bestScore) <= 2 * bound) return false;
            if (f > bestScore)
            {
                bestScore = f;
                bestK = k;
                bestSum = sum;
                if (sum <= safe) break;
            }
        }
        return exact || bestK == 0 || Math.Abs(bestScore) > bound;
    }

    private void RemoveAt(int index)
    {
        Array.Copy(_queue, index + 1, _queue, index, _queueCount - index - 1);
        Array.Copy(_queueSize, index + 1, _queueSize, index, _queueCount - index - 1);
        Array.Copy(_queueOrigin, index + 1, _queueOrigin, index, _queueCount - index - 1);
        _queueCount--;
    }

    private void RemoveChosen(int window)
    {
        if (_sortedValid)
        {
            if (_chosenOrigin.Length < _sortedCandidates.Length) _chosenOrigin = new bool[_sortedCandidates.Length];
            for (var r = 0; r < window; r++) if (_chosen[r]) _chosenOrigin[_queueOrigin[r]] = true;
            var kept = 0;
            for (var i = 0; i < _queueCount; i++)
            {
                var origin = (int)(_sortedCandidates[i] & 0xFFFFFFFFL);
                if (_chosenOrigin[origin]) { _chosenOrigin[origin] = false; continue; }
                _sortedCandidates[kept++] = _sortedCandidates[i];
            }
        }
        var w = 0;
        for (var r = 0; r < _queueCount; r++)
        {
            if (r < window && _chosen[r]) continue;
            _queueOrigin[w] = _queueOrigin[r];
            _queueSize[w] = _queueSize[r];
            _queue[w++] = _queue[r];
        }
        _queueCount = w;
    }
}
