using System.Numerics;
using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// Learns output lengths from this run alone: a Kaplan–Meier survival curve of o per prompt-length
/// bucket (powers of two), shrunk towards the pooled curve where a bucket has few observations.
/// Lengths come only from finished requests (<see cref="ClusterView.FinishedOutputTokens"/>); a running
/// request adds only what any scheduler sees, that it is still running at age gen (a censored
/// observation, without which early finishers would bias every estimate short). It never reads ô.
/// A request is projected as its survival-weighted expected load: (s + gen + h) · P(o &gt; gen + h | o &gt; gen).
/// </summary>
public sealed class OnlineSurvivalPredictor : IOutputPredictor
{
    /// <summary>Buckets by ⌊log2 s⌋: below 128 tokens, 128–255, …, and 32k and above.</summary>
    internal const int Buckets = 10;
    private const int FirstBucketLog2 = 7;
    private const int Pooled = Buckets;

    private readonly double _shrinkage;
    private const int InitialCapacity = 256;
    private int _capacity = InitialCapacity;

    // Per bucket (and the pooled row at index Buckets): deaths[x] = finished with o = x,
    // reached[x] = requests seen alive at age ≥ x (finished with o ≥ x, or running with gen ≥ x).
    private readonly int[][] _deaths = new int[Buckets + 1][];
    private readonly int[][] _reached = new int[Buckets + 1][];
    private readonly double[][] _survival = new double[Buckets][];
    private readonly int[] _survivalLength = new int[Buckets];
    // Per bucket and age a, the expected residual life E[o − a | o > a] in steps (see RefreshMeanResidual).
    private readonly int[][] _meanResidual = new int[Buckets][];
    private readonly int[] _observations = new int[Buckets];
    private int _refreshCursor;

    // Requests admitted and not yet learned from (by slot), each one's position in that list, and the age
    // up to which it has been counted as reaching.
    private int[] _inFlight = new int[256];
    private int _inFlightCount;
    private int[] _inFlightAt = [];
    private int[] _countedAge = [];
    private int _maxAge;

    /// <param name="shrinkage">Pseudo-observations of the pooled hazard added at every age of every bucket.</param>
    public IOutputPredictor Fresh() => new OnlineSurvivalPredictor(_shrinkage);

    public OnlineSurvivalPredictor(double shrinkage = 20.0)
    {
        if (!(shrinkage >= 0.0)) throw new ArgumentOutOfRangeException(nameof(shrinkage), shrinkage, "shrinkage must be ≥ 0");
        _shrinkage = shrinkage;
        for (var b = 0; b <= Buckets; b++)
        {
            _deaths[b] = new int[_capacity + 1];
            _reached[b] = new int[_capacity + 1];
        }
        for (var b = 0; b < Buckets; b++)
        {
            _survival[b] = [1.0];
            _meanResidual[b] = [IOutputPredictor.Unknown];
        }
        Array.Fill(_survivalLength, 1);
    }

    public string Name => "online";
    public bool LooksAhead => true;

    /// <summary>Finished requests learned from so far.</summary>
    public int FinishedObserved { get; private set; }

    internal static int BucketOf(int promptTokens)
    {
        var log = BitOperations.Log2((uint)Math.Max(1, promptTokens)) - FirstBucketLog2 + 1;
        return Math.Clamp(log, 0, Buckets - 1);
    }

    /// <summary>Sizes the per-slot arrays for every slot the state has room for, the in-flight list for a full cluster and
    /// the curves for every age the counts hold, before the first decision: grown inside one, the per-slot arrays cost a
    /// G=128 run of 20,000 requests 390 µs in the call that admitted past slot 8,191, its slowest call.</summary>
    public void Prepare(ClusterView state)
    {
        EnsureSlots(state.SlotCapacity);
        var full = state.Ranks * state.BatchSize;
        if (_inFlight.Length < full) Array.Resize(ref _inFlight, full);
        EnsureCurves();
        // The counts grow when the oldest age seen passes their capacity, inside a decision, and the code that grows them
        // is compiled at its first run: a G=32 bursty run of 100,000 requests paid 650 µs for that in its call at step 257
        // (its slowest; the median call takes 80 µs), the allocation itself costing little. So it runs once per process
        // here, outside any decision, on a throwaway predictor. (bfio's warm-up never reaches it: its requests live a few
        // steps.)
        if (Interlocked.Exchange(ref _ageGrowthCompiled, 1) == 0) new OnlineSurvivalPredictor(_shrinkage).GrowAges(2 * InitialCapacity);
    }

    private static int _ageGrowthCompiled;

    /// <summary>Whether this process has run the counts' growth outside a decision (see <see cref="Prepare"/>).</summary>
    internal static bool AgeGrowthCompiled => Volatile.Read(ref _ageGrowthCompiled) == 1;

    private void EnsureSlots(int slots)
    {
        if (_countedAge.Length >= slots) return;
        var old = _countedAge.Length;
        var size = Math.Max(slots, 2 * old);
        Array.Resize(ref _countedAge, size);
        Array.Resize(ref _inFlightAt, size);
        Array.Fill(_inFlightAt, -1, old, size - old);
    }

    public void OnAdmitted(ClusterView state, int requestId)
    {
        EnsureSlots(requestId + 1);
        // Admitted again after its rank was lost (ClusterState.RestartRank): it is the same request, counted as reaching
        // the ages it reached before; counting them again, or learning from it twice, would bias the curves.
        if (_inFlightAt[requestId] >= 0) return;
        _countedAge[requestId] = 0;
        if (_inFlightCount == _inFlight.Length) Array.Resize(ref _inFlight, 2 * _inFlight.Length);
        _inFlightAt[requestId] = _inFlightCount;
        _inFlight[_inFlightCount++] = requestId;
    }

    /// <summary>A finished request leaves before the next call would have learned from it: learn now (counts
    /// add up in any order, so the curves are the same as if the next call had seen it).</summary>
    public void OnReleased(ClusterView state, int slot)
    {
        if (slot >= _inFlightAt.Length || _inFlightAt[slot] < 0) return;
        Learn(state, slot);
        RemoveInFlight(_inFlightAt[slot]);
    }

    private void Learn(ClusterView state, int id)
    {
        var bucket = BucketOf(state.PromptTokens(id));
        var output = state.FinishedOutputTokens(id);
        Reach(bucket, _countedAge[id], output);
        _deaths[bucket][output]++;
        _deaths[Pooled][output]++;
        _observations[bucket]++;
        FinishedObserved++;
    }

    private void RemoveInFlight(int k)
    {
        var id = _inFlight[k];
        var last = _inFlight[--_inFlightCount];
        _inFlight[k] = last;
        _inFlightAt[last] = k;
        _inFlightAt[id] = -1;
    }

    /// <summary>
    /// Between steps, with requests running: once the oldest age they may have reached (the oldest seen at the last call, one
    /// more per step since) is half the counts' capacity, the counts and curves double here, ahead of the decisions that would
    /// reach it. Grown inside a decision instead, a G=128 long-generation run of 50,000 requests paid 4–6.6 ms in each of
    /// its calls at steps 4,097 and 8,193 (1.7 and 3.4 MB of fresh memory first touched; the median call takes 200 µs).
    /// </summary>
    public void OnStepped(ClusterView state)
    {
        if (_inFlightCount == 0 || _capacity >= MaxAheadCapacity) return;
        var oldest = _maxAge + (long)(state.Step - _maxAgeStep);
        if (2 * oldest >= _capacity) GrowAges(2 * _capacity);
    }

    // Growth ahead stops at lives of 131,072 steps (208 bytes per age: 27 MB of counts and curves); past it the ages
    // reached grow them, inside a decision.
    private const int MaxAheadCapacity = 1 << 17;

    /// <summary>The oldest age the counts have room for (for tests).</summary>
    internal int AgeCapacity => _capacity;

    // The step of the call that last read the running requests' ages (_maxAge is the oldest then).
    private int _maxAgeStep;

    public void BeginCall(ClusterView state)
    {
        _maxAgeStep = state.Step;
        for (var k = _inFlightCount - 1; k >= 0; k--)
        {
            var id = _inFlight[k];
            if (state.PhaseOf(id) == RequestPhase.Finished)
            {
                Learn(state, id);
                RemoveInFlight(k);
            }
            else
            {
                // A restarted request waits at age 0, then climbs again through ages already counted: count only beyond.
                var age = state.Generated(id);
                if (age <= _countedAge[id]) continue;
                Reach(BucketOf(state.PromptTokens(id)), _countedAge[id], age);
                _countedAge[id] = age;
            }
        }
        // One bucket's curve per call keeps the cost flat; curves move slowly between calls.
        for (var tries = 0; tries < Buckets; tries++)
        {
            var b = _refreshCursor;
            _refreshCursor = (_refreshCursor + 1) % Buckets;
            if (_observations[b] == 0 && _deaths[Pooled][0] == 0 && FinishedObserved == 0) continue;
            RefreshSurvival(b);
            break;
        }
    }

    private void Reach(int bucket, int fromAge, int toAge)
    {
        if (toAge <= fromAge) return;
        if (toAge > _capacity) GrowAges(toAge);
        if (toAge > _maxAge) _maxAge = toAge;
        var own = _reached[bucket];
        var pooled = _reached[Pooled];
        for (var x = fromAge + 1; x <= toAge; x++)
        {
            own[x]++;
            pooled[x]++;
        }
    }

    /// <summary>Room in the counts for every age up to <paramref name="age"/> (capacities double), and in the curves for every
    /// age the counts hold.</summary>
    private void GrowAges(int age)
    {
        var capacity = _capacity;
        while (capacity < age) capacity *= 2;
        for (var b = 0; b <= Buckets; b++)
        {
            Array.Resize(ref _deaths[b], capacity + 1);
            Array.Resize(ref _reached[b], capacity + 1);
        }
        _capacity = capacity;
        EnsureCurves();
    }

    /// <summary>Every bucket's curves sized for every age the counts hold: a refresh fills them up to the oldest age seen
    /// (at most the capacity), so it never grows them inside a decision. Their contents are kept: reads stop at the length
    /// last refreshed.</summary>
    private void EnsureCurves()
    {
        for (var b = 0; b < Buckets; b++)
        {
            if (_survival[b].Length <= _capacity) Array.Resize(ref _survival[b], _capacity + 1);
            if (_meanResidual[b].Length <= _capacity) Array.Resize(ref _meanResidual[b], _capacity + 1);
        }
    }

    /// <summary>S_b(x) = Π_{y ≤ x} (1 − λ_b(y)), λ_b shrunk towards the pooled hazard; flat past the data.</summary>
    private void RefreshSurvival(int bucket)
    {
        var length = _maxAge + 1;
        if (_survival[bucket].Length < length) _survival[bucket] = new double[Math.Max(length, 2 * _survival[bucket].Length)];
        var s = _survival[bucket];
        var deaths = _deaths[bucket];
        var reached = _reached[bucket];
        var pooledDeaths = _deaths[Pooled];
        var pooledReached = _reached[Pooled];
        var survival = 1.0;
        s[0] = 1.0;
        for (var x = 1; x < length; x++)
        {
            var pr = pooledReached[x];
            if (pr > 0)
            {
                var pooledHazard = (double)pooledDeaths[x] / pr;
                var hazard = (deaths[x] + _shrinkage * pooledHazard) / (reached[x] + _shrinkage);
                survival *= 1.0 - hazard;
            }
            s[x] = survival;
        }
        _survivalLength[bucket] = length;
        RefreshMeanResidual(bucket, s, length);
    }

    /// <summary>
    /// E[o − a | o &gt; a] = Σ_{x ≥ a} S(x) / S(a), by suffix sums, truncated where the data end (nothing is known
    /// beyond). A mean, not a median: when a rank's next slot frees is set by the departures summed over a queue, and a
    /// median ignores the long stays of a heavy tail that hold slots (the median balanced worse with the online
    /// predictor on the generated shapes: 1.03× the best production router's imbalance against 0.99×).
    /// </summary>
    private void RefreshMeanResidual(int bucket, double[] s, int length)
    {
        if (_meanResidual[bucket].Length < length) _meanResidual[bucket] = new int[Math.Max(length, 2 * _meanResidual[bucket].Length)];
        var mean = _meanResidual[bucket];
        // Only where the data reach past the median: if most of those alive at a outlive every age seen, the truncated
        // sum says nothing (before the first departures it would call every request about to leave).
        var tail = s[length - 1];
        var suffix = 0.0;
        for (var a = length - 1; a >= 0; a--)
        {
            suffix += s[a];
            mean[a] = s[a] > 1e-12 && tail <= 0.5 * s[a] ? Math.Max(1, (int)Math.Round(suffix / s[a])) : IOutputPredictor.Unknown;
        }
    }

    /// <summary>The expected o − gen given o &gt; gen, from the request's bucket curve; Unknown past the data (nothing
    /// seen lived that long) and before anything finished.</summary>
    public int PredictedRemaining(ClusterView state, int requestId)
    {
        var bucket = BucketOf(state.PromptTokens(requestId));
        var age = state.Generated(requestId);
        return age < _survivalLength[bucket] ? _meanResidual[bucket][age] : IOutputPredictor.Unknown;
    }

    /// <summary>P(o &gt; x) for a request of bucket b (flat beyond the ages seen so far).</summary>
    private double Survival(int bucket, int age)
    {
        var len = _survivalLength[bucket];
        return _survival[bucket][age < len ? age : len - 1];
    }

    public void ProjectRank(ClusterView state, int rank, Span<double> column)
    {
        column.Clear();
        var rows = column.Length;
        var prompts = state.ActivePromptTokens(rank);
        var admitted = state.ActiveAdmitSteps(rank);
        var step = state.Step;
        for (var j = 0; j < prompts.Length; j++)
        {
            var gen = step - admitted[j];
            var bucket = BucketOf(prompts[j]);
            double held = prompts[j] + gen;
            var now = Survival(bucket, gen);
            column[0] += held;
            if (now <= 1e-12)
            {
                // Outlived every request seen so far: nothing known, assume it stays.
                for (var h = 1; h < rows; h++) column[h] += held + h;
                continue;
            }
            var inverse = 1.0 / now;
            var curve = _survival[bucket];
            var len = _survivalLength[bucket];
            for (var h = 1; h < rows; h++)
            {
                var age = gen + h;
                var p = (age < len ? curve[age] : curve[len - 1]) * inverse;
                column[h] += (held + h) * p;
            }
        }
    }

    /// <summary>Each planned row's terms added request by request, so the same values as <see cref="ProjectRank"/>: row 0
    /// (first when planned, rows ascend) takes every request's load now; each request's curve is looked up once, not per
    /// row.</summary>
    public void ProjectRankRows(ClusterView state, int rank, ReadOnlySpan<int> rows, Span<double> column) =>
        ProjectRankExpected(state, rank, rows, column);

    public bool ProjectRankExpected(ClusterView state, int rank, ReadOnlySpan<int> rows, Span<double> sums)
    {
        sums[..rows.Length].Clear();
        return AddRankExpected(state, rank, 0, rows, sums);
    }

    public bool AddRankExpected(ClusterView state, int rank, int from, ReadOnlySpan<int> rows, Span<double> sums)
    {
        var n = rows.Length;
        sums = sums[..n];
        var first = n > 0 && rows[0] == 0 ? 1 : 0;
        var prompts = state.ActivePromptTokens(rank);
        var admitted = state.ActiveAdmitSteps(rank);
        var step = state.Step;
        for (var j = from; j < prompts.Length; j++)
        {
            var gen = step - admitted[j];
            var prompt = prompts[j];
            var bucket = BucketOf(prompt);
            double held = prompt + gen;
            var curve = _survival[bucket];
            var last = _survivalLength[bucket] - 1;
            var now = curve[gen < last ? gen : last];
            if (first == 1) sums[0] += held;
            if (now <= 1e-12)
            {
                for (var k = first; k < n; k++) sums[k] += held + rows[k];
                continue;
            }
            var inverse = 1.0 / now;
            for (var k = first; k < n; k++)
            {
                var h = rows[k];
                var age = gen + h;
                sums[k] += (held + h) * (curve[age < last ? age : last] * inverse);
            }
        }
        return true;
    }

    public void ProjectCandidate(ClusterView state, int requestId, ReadOnlySpan<int> rows, Span<double> profile)
    {
        double prompt = state.PromptTokens(requestId);
        var bucket = BucketOf(state.PromptTokens(requestId));
        for (var k = 0; k < rows.Length; k++) profile[k] = (prompt + rows[k]) * Survival(bucket, rows[k]);
    }
}
