using System.Runtime.Intrinsics;
using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// A predictor that names one output length ô per request: the request is projected to leave exactly
/// when gen reaches ô. A request that has outlived its estimate is projected to stay through the
/// horizon: under-projecting a rank that keeps its load overfills it and raises the envelope for all
/// G ranks, which costs more than the single-rank gap of the opposite mistake.
/// </summary>
public abstract class DeterministicPredictor : IOutputPredictor
{
    private double[] _departingMass = [];
    private int[] _departingCount = [];
    private int[] _estimates = [];

    public abstract string Name { get; }
    public bool LooksAhead => true;
    public abstract IOutputPredictor Fresh();

    /// <summary>The estimated output length ô ≥ 1 of request <paramref name="requestId"/>.</summary>
    public abstract int EstimatedOutput(ClusterView state, int requestId);

    /// <summary>
    /// The estimates ô of <paramref name="rank"/>'s active requests (in <see cref="ClusterView.ActiveRequests"/> order):
    /// one virtual call per rank projected rather than one per active request. Entries below 1 are read as 1, so a
    /// predictor whose estimates the cluster already holds hands them over without copying (the oracle).
    /// </summary>
    protected virtual ReadOnlySpan<int> RankEstimates(ClusterView state, int rank)
    {
        var active = state.ActiveRequests(rank);
        if (_estimates.Length < active.Length) _estimates = new int[Math.Max(active.Length, 2 * _estimates.Length)];
        var estimates = _estimates.AsSpan(0, active.Length);
        for (var k = 0; k < active.Length; k++) estimates[k] = EstimatedOutput(state, active[k]);
        return estimates;
    }

    public virtual void BeginCall(ClusterView state) { }
    public virtual void OnAdmitted(ClusterView state, int requestId) { }

    public void ProjectRank(ClusterView state, int rank, Span<double> column)
    {
        var rows = column.Length;
        ClearDepartures(rows, out var mass, out var count);
        // Difference arrays: O(1) per request, O(H) per rank, whatever the token counts.
        // The rank's active data in sequence (ClusterView.Active*), not looked up per request.
        var prompts = state.ActivePromptTokens(rank);
        var admitted = state.ActiveAdmitSteps(rank);
        var estimates = RankEstimates(state, rank);
        var step = state.Step;
        for (var k = 0; k < prompts.Length; k++)
        {
            var gen = step - admitted[k];
            var remaining = Math.Max(1, estimates[k]) - gen;
            if ((uint)(remaining - 1) < (uint)(rows - 1))
            {
                mass[remaining] += prompts[k] + gen;
                count[remaining]++;
            }
        }
        double load = state.Load(rank);
        var stay = state.ActiveCount(rank);
        column[0] = load;
        for (var h = 1; h < rows; h++)
        {
            load -= mass[h];
            stay -= count[h];
            column[h] = load + (double)h * stay;
        }
    }

    /// <summary>The departing mass and count per row (or per planned row), cleared, in reused buffers.</summary>
    private void ClearDepartures(int rows, out Span<double> mass, out Span<int> count)
    {
        if (_departingMass.Length < rows)
        {
            _departingMass = new double[Math.Max(rows, 2 * _departingMass.Length)];
            _departingCount = new int[_departingMass.Length];
        }
        mass = _departingMass.AsSpan(0, rows);
        count = _departingCount.AsSpan(0, rows);
        mass.Clear();
        count.Clear();
    }

    /// <summary>
    /// <see cref="ProjectRank"/> on the planned rows only: each request's departure lands in the first planned row at or
    /// past it, so the cost is O(active + planned rows) whatever the horizon. Loads are whole token counts, so the sums
    /// are exact and equal the full projection's on those rows.
    /// </summary>
    public void ProjectRankRows(ClusterView state, int rank, ReadOnlySpan<int> rows, Span<double> column)
    {
        var n = rows.Length;
        if (n == 0) return;
        ClearDepartures(n, out var mass, out var count);
        var prompts = state.ActivePromptTokens(rank);
        var admitted = state.ActiveAdmitSteps(rank);
        var estimates = RankEstimates(state, rank);
        var step = state.Step;
        // A request leaving past the last planned row stays on every planned row.
        var last = (uint)rows[n - 1];
        var layout = DepartureRows.LayoutOf(rows);
        var k = 0;
        // Eight requests at a time, without a branch per request: per planned row, the mass and count of those gone by
        // it. Whole numbers in 32-bit lanes, which cannot overflow while the rank's whole load fits in one (a lane sums
        // part of it); the sums are then exactly the ones below. (Rows from now, h = 0: nothing leaves by then.)
        if (Vector256.IsHardwareAccelerated && n <= MaxVectorRows && rows[0] == 0 && state.Load(rank) <= int.MaxValue)
            k = DepartedByRow(prompts, admitted, estimates, step, rows, mass, count);
        for (; k < prompts.Length; k++)
        {
            var gen = step - admitted[k];
            var remaining = Math.Max(1, estimates[k]) - gen;
            // As in ProjectRank: a request leaves at h = remaining if that lies within 1 … last, else it stays.
            if ((uint)(remaining - 1) >= last) continue;
            var at = DepartureRows.FirstAtOrPast(layout, rows, remaining);
            mass[at] += prompts[k] + gen;
            count[at]++;
        }
        double load = state.Load(rank);
        var stay = state.ActiveCount(rank);
        for (var r = 0; r < n; r++)
        {
            load -= mass[r];
            stay -= count[r];
            column[r] = load + (double)rows[r] * stay;
        }
    }

    /// <summary>Planned rows the vector pass of <see cref="ProjectRankRows"/> takes (a vector per row and sum); more rows
    /// (life rows reach 15) go request by request, each to its row.</summary>
    private const int MaxVectorRows = 12;

    /// <summary>
    /// For the longest prefix of whole vectors of a rank's requests (its length returned): adds to <paramref name="mass"/>
    /// and <paramref name="count"/> at each planned row the requests that leave at or before it and after the row before
    /// (1 ≤ remaining ≤ row; as in <see cref="ProjectRank"/>, a request past its estimate stays).
    /// </summary>
    [System.Runtime.CompilerServices.SkipLocalsInit]
    private static int DepartedByRow(ReadOnlySpan<int> prompts, ReadOnlySpan<int> admitted, ReadOnlySpan<int> estimates, int step,
        ReadOnlySpan<int> rows, Span<double> mass, Span<int> count)
    {
        var n = rows.Length;
        Span<Vector256<int>> gone = stackalloc Vector256<int>[n];      // mass gone by row r, per lane
        Span<Vector256<int>> goneCount = stackalloc Vector256<int>[n]; // minus the requests gone by row r, per lane
        gone.Clear();
        goneCount.Clear();
        var stepV = Vector256.Create(step);
        var k = 0;
        for (; k + 8 <= prompts.Length; k += 8)
        {
            var gen = stepV - Vector256.Create(admitted.Slice(k, 8));
            var remaining = Vector256.Max(Vector256.Create(estimates.Slice(k, 8)), Vector256<int>.One) - gen;
            var value = Vector256.Create(prompts.Slice(k, 8)) + gen;
            var leaves = Vector256.GreaterThan(remaining, Vector256<int>.Zero);
            for (var r = 1; r < n; r++)
            {
                var by = leaves & Vector256.LessThanOrEqual(remaining, Vector256.Create(rows[r]));
                gone[r] += value & by;
                goneCount[r] += by; // −1 per request
            }
        }
        var before = 0;
        var beforeCount = 0;
        for (var r = 1; r < n; r++)
        {
            var sum = Vector256.Sum(gone[r]);
            var left = -Vector256.Sum(goneCount[r]);
            mass[r] += sum - before;
            count[r] += left - beforeCount;
            before = sum;
            beforeCount = left;
        }
        return k;
    }

    public virtual bool PlansWholeLives => true;

    /// <summary>The longest life among the candidates, at most <paramref name="cap"/>.</summary>
    public int LongestLife(ClusterView state, ReadOnlySpan<int> candidates, int cap)
    {
        if (!PlansWholeLives) return 0;
        var longest = 0;
        foreach (var id in candidates) longest = Math.Max(longest, Math.Min(cap, EstimatedOutput(state, id)));
        return longest;
    }

    /// <summary>
    /// γ ahead: a request of prompt p that has generated g tokens and leaves in r steps holds p + g + h at each step
    /// h = 1 … r ahead: r·p prompt tokens and r·g + r(r + 1)/2 generated ones in all. A candidate counts with g = 0 and
    /// r = its estimate; a request that has outlived its estimate counts for nothing (nothing says how long it stays).
    /// Departures per step: Σ 1/ô over the running requests (outlived or not: the rate is of whole lives), plus
    /// the <paramref name="filling"/> free slots at the candidates' mean 1/ô.
    /// </summary>
    public LoadAhead Ahead(ClusterView state, ReadOnlySpan<int> candidates, int filling)
    {
        // Whole token counts, summed exactly in integers (a prompt of 2^20 tokens over a life of 2^14 steps is 2^34).
        var prompt = 0L;
        var generated = 0L;
        var departures = 0.0;
        var step = state.Step;
        for (var g = 0; g < state.Ranks; g++)
        {
            var prompts = state.ActivePromptTokens(g);
            var admitted = state.ActiveAdmitSteps(g);
            var estimates = RankEstimates(state, g);
            departures += ReciprocalSum(estimates);
            var k = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var (promptSum, generatedSum) = AheadSums(prompts, admitted, estimates, step, out k);
                prompt += promptSum;
                generated += generatedSum;
            }
            for (; k < prompts.Length; k++)
            {
                long gen = step - admitted[k];
                var remaining = Math.Max(1, estimates[k]) - gen;
                if (remaining < 1) continue;
                prompt += prompts[k] * remaining;
                generated += gen * remaining + remaining * (remaining + 1) / 2;
            }
        }
        var hazard = 0.0;
        foreach (var id in candidates)
        {
            long life = EstimatedOutput(state, id);
            prompt += state.PromptTokens(id) * life;
            generated += life * (life + 1) / 2;
            hazard += 1.0 / life;
        }
        if (candidates.Length > 0) departures += filling * hazard / candidates.Length;
        var share = prompt + generated > 0 ? (double)generated / (prompt + generated) : 0.0;
        return new LoadAhead(share, departures);
    }

    /// <summary>
    /// <see cref="Ahead"/>'s two sums over one rank's requests, eight at a time in 64-bit lanes, for the longest prefix
    /// of whole vectors (its length into <paramref name="done"/>): the same whole numbers as the scalar loop, so the
    /// same totals. A request that has outlived its estimate counts with r = 0, that is for nothing.
    /// </summary>
    private static (long Prompt, long Generated) AheadSums(
        ReadOnlySpan<int> prompts, ReadOnlySpan<int> admitted, ReadOnlySpan<int> estimates, int step, out int done)
    {
        var stepV = Vector256.Create(step);
        var oneV = Vector256.Create(1);
        var prompt = Vector256<long>.Zero;
        var generated = Vector256<long>.Zero;
        var k = 0;
        for (; k + 8 <= prompts.Length; k += 8)
        {
            var gen = stepV - Vector256.Create(admitted.Slice(k, 8));
            var remaining = Vector256.Max(Vector256.Max(Vector256.Create(estimates.Slice(k, 8)), oneV) - gen, Vector256<int>.Zero);
            var (pLow, pHigh) = Vector256.Widen(Vector256.Create(prompts.Slice(k, 8)));
            var (gLow, gHigh) = Vector256.Widen(gen);
            var (rLow, rHigh) = Vector256.Widen(remaining);
            prompt += pLow * rLow + pHigh * rHigh;
            generated += gLow * rLow + gHigh * rHigh
                + Vector256.ShiftRightArithmetic(rLow * (rLow + Vector256<long>.One), 1)
                + Vector256.ShiftRightArithmetic(rHigh * (rHigh + Vector256<long>.One), 1);
        }
        done = k;
        return (Vector256.Sum(prompt), Vector256.Sum(generated));
    }

    /// <summary>
    /// Σ 1/max(1, ô), four lanes at a time (a division each is most of the pass's cost). Fixed-width vectors in a fixed
    /// order, so the sum is the same on every machine, with or without hardware vectors.
    /// </summary>
    internal static double ReciprocalSum(ReadOnlySpan<int> lives)
    {
        var one = Vector256.Create(1.0);
        var ones = Vector256.Create(1);
        var low = Vector256<double>.Zero;
        var high = Vector256<double>.Zero;
        var k = 0;
        for (; k + 8 <= lives.Length; k += 8)
        {
            var life = Vector256.Max(Vector256.Create(lives.Slice(k, 8)), ones);
            low += one / Vector256.ConvertToDouble(Vector256.WidenLower(life));
            high += one / Vector256.ConvertToDouble(Vector256.WidenUpper(life));
        }
        var lanes = low + high;
        var sum = lanes[0] + lanes[1] + lanes[2] + lanes[3];
        for (; k < lives.Length; k++) sum += 1.0 / Math.Max(1, lives[k]);
        return sum;
    }

    /// <summary>ô − gen; a request that has outlived its estimate stays, as in <see cref="ProjectRank"/>.</summary>
    public int PredictedRemaining(ClusterView state, int requestId)
    {
        var remaining = EstimatedOutput(state, requestId) - state.Generated(requestId);
        return remaining >= 1 ? remaining : IOutputPredictor.Unknown;
    }

    public void ProjectCandidate(ClusterView state, int requestId, ReadOnlySpan<int> rows, Span<double> profile)
    {
        var output = EstimatedOutput(state, requestId);
        double prompt = state.PromptTokens(requestId);
        for (var k = 0; k < rows.Length; k++) profile[k] = rows[k] < output ? prompt + rows[k] : 0.0;
    }
}

/// <summary>The workload's own estimate ô (in the fixtures ô = o: the oracle).</summary>
public sealed class OraclePredictor : DeterministicPredictor
{
    public override string Name => "oracle";
    public override IOutputPredictor Fresh() => new OraclePredictor();

    public override int EstimatedOutput(ClusterView state, int requestId) =>
        Math.Max(1, state.PredictedOutput(requestId));

    /// <summary>The cluster's own predicted outputs, read in place (the projections read an estimate below 1 as 1).</summary>
    protected override ReadOnlySpan<int> RankEstimates(ClusterView state, int rank) => state.ActivePredictedOutputs(rank);
}

/// <summary>
/// ô · U[1 − δ, 1 + δ], one draw per request from a hash of (seed, id): the same request gets the same
/// estimate in every call and every run, whatever order the policy asks in.
/// </summary>
public sealed class NoisyPredictor : DeterministicPredictor
{
    private readonly double _noise;
    private readonly ulong _seed;

    public NoisyPredictor(double noise, int seed)
    {
        if (!(noise >= 0.0 && noise <= 1.0)) throw new ArgumentOutOfRangeException(nameof(noise), noise, "noise δ must lie in [0, 1]");
        _noise = noise;
        _seed = (ulong)seed;
    }

    public override string Name => "noisy";
    public double Noise => _noise;

    /// <summary>
    /// No: life rows place a request for where its departure will fall among the others', and an error of δ = 20% on
    /// a 10,000-step life moves that departure by 2,000 steps. Measured at G=32, B=72 (seed 1): with life rows the noisy
    /// predictor balanced long generation better (547k average imbalance against 819k) but mixed traffic worse (464k
    /// against 396k), so it plans on its horizon alone.
    /// </summary>
    public override bool PlansWholeLives => false;
    public override IOutputPredictor Fresh() => new NoisyPredictor(_noise, (int)_seed);

    public override int EstimatedOutput(ClusterView state, int requestId)
    {
        // Drawn from the request's serial, not its slot: slots are reused, a request's estimate must not change.
        var factor = 1.0 + _noise * (2.0 * UnitDraw(_seed, state.Serial(requestId)) - 1.0);
        return Math.Max(1, (int)Math.Round(state.PredictedOutput(requestId) * factor, MidpointRounding.AwayFromZero));
    }

    /// <summary>SplitMix64 of (seed, id) mapped to [0, 1).</summary>
    internal static double UnitDraw(ulong seed, long id)
    {
        var z = seed * 0x9E3779B97F4A7C15UL + (ulong)id + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}

/// <summary>
/// No lookahead: the policy balances the loads right after admission only (the paper's H = 0 variant).
/// </summary>
public sealed class NoLookaheadPredictor : IOutputPredictor
{
    public string Name => "none";
    public bool LooksAhead => false;
    public IOutputPredictor Fresh() => new NoLookaheadPredictor();
    public void BeginCall(ClusterView state) { }
    public void OnAdmitted(ClusterView state, int requestId) { }

    public void ProjectRank(ClusterView state, int rank, Span<double> column)
    {
        double load = state.Load(rank);
        var active = state.ActiveCount(rank);
        for (var h = 0; h < column.Length; h++) column[h] = load + (double)h * active;
    }

    public void ProjectCandidate(ClusterView state, int requestId, ReadOnlySpan<int> rows, Span<double> profile)
    {
        double prompt = state.PromptTokens(requestId);
        for (var k = 0; k < rows.Length; k++) profile[k] = prompt + rows[k];
    }
}
