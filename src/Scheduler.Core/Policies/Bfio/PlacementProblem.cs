namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// One BF-IO decision as an integer program. Ranks g = 0..G−1 hold projected loads P_g(h) for
/// h = 0..H (rows) and F_g free slots; candidates i carry the load a_i(h) they would add. Choose exactly
/// <see cref="AdmitCount"/> candidates (every mandatory one among them) and a rank for each, at most F_g
/// per rank, minimising Σ_h w_h · (G · max_g L_g(h) − Σ_g L_g(h)) − Σ_{admitted} b_i with
/// L_g = P_g + Σ_{i→g} a_i and b_i ≥ 0 a waiting bonus (aging) that makes old requests cheaper to admit.
/// Buffers are reused across calls; nothing is allocated once they are large enough.
/// <para>Optionally a refill level per row (<see cref="RefillColumn"/>): the load that requests still to come bring
/// the lowest ranks up to, so that a row's maximum is at least it. It is held as one more column after the G ranks',
/// with no free slots, so every solver reads it as a rank that takes nothing and a row's maximum counts it; G and the
/// sum term stay those of the real ranks (<see cref="ScoredRanks"/>), so every row's term is still ≥ 0.</para>
/// </summary>
public sealed class PlacementProblem
{
    private double[] _weights = [];
    private double[] _base = [];
    private int[] _free = [];
    private double[] _profile = [];
    private double[] _reward = [];
    private bool[] _mandatory = [];
    private double[] _bonus = [];
    private double[] _evalLoad = [];

    /// <summary>Columns of base loads: the G ranks, and the refill column last if there is one.</summary>
    public int Ranks { get; private set; }

    /// <summary>G, the ranks whose imbalance is scored: <see cref="Ranks"/> less the refill column, if any.</summary>
    public int ScoredRanks { get; private set; }

    /// <summary>Whether the last column is the refill level (<see cref="RefillColumn"/>).</summary>
    public bool HasRefill => Ranks > ScoredRanks;
    public int Rows { get; private set; }
    public int Candidates { get; private set; }

    /// <summary>How many candidates must be admitted (the work-conserving count min(|queue|, Σ free)).</summary>
    public int AdmitCount { get; set; }

    /// <summary>
    /// More requests may have arrived than the queue shows (it is full to a backlog's reveal window), so slots this call
    /// leaves free are filled at the next call; false when the free slots stay free until new requests arrive.
    /// </summary>
    public bool RefilledNextStep { get; set; }

    /// <summary>Clears the problem to <paramref name="ranks"/> ranks, <paramref name="rows"/> horizon rows
    /// and <paramref name="candidates"/> candidates, growing buffers only when needed; with
    /// <paramref name="refill"/> a refill column follows the ranks (fill it through <see cref="RefillColumn"/>).</summary>
    public void Reset(int ranks, int rows, int candidates, bool refill = false)
    {
        if (ranks <= 0) throw new ArgumentOutOfRangeException(nameof(ranks));
        if (rows <= 0) throw new ArgumentOutOfRangeException(nameof(rows));
        if (candidates < 0) throw new ArgumentOutOfRangeException(nameof(candidates));
        ScoredRanks = ranks;
        if (refill) ranks++;
        Ranks = ranks;
        Rows = rows;
        Candidates = candidates;
        AdmitCount = 0;
        RefilledNextStep = false;
        Reserve(ranks, rows, candidates);
        _mandatory.AsSpan(0, candidates).Clear();
        _bonus.AsSpan(0, candidates).Clear();
        if (refill) _free[ScoredRanks] = 0;
    }

    /// <summary>Grows the buffers to hold <paramref name="ranks"/> ranks (a refill column counted as one),
    /// <paramref name="rows"/> rows and <paramref name="candidates"/> candidates, without changing the problem: ahead of a
    /// problem that large, so that stating it allocates nothing.</summary>
    public void Reserve(int ranks, int rows, int candidates)
    {
        Ensure(ref _weights, rows);
        Ensure(ref _base, ranks * rows);
        Ensure(ref _free, ranks);
        Ensure(ref _profile, Math.Max(1, candidates) * rows);
        Ensure(ref _reward, Math.Max(1, candidates));
        Ensure(ref _mandatory, Math.Max(1, candidates));
        Ensure(ref _bonus, Math.Max(1, candidates));
        Ensure(ref _evalLoad, ranks * rows);
    }

    private static void Ensure<T>(ref T[] array, int length) => Buffers.Ensure(ref array, length);

    public Span<double> Weights => _weights.AsSpan(0, Rows);
    public Span<double> BaseColumn(int rank) => _base.AsSpan(rank * Rows, Rows);

    /// <summary>The refill level per row (only with a refill column; 0 where none is expected).</summary>
    public Span<double> RefillColumn =>
        HasRefill ? BaseColumn(ScoredRanks) : throw new InvalidOperationException("this problem has no refill column");
    public Span<double> Profile(int candidate) => _profile.AsSpan(candidate * Rows, Rows);
    public ref int Free(int rank) => ref _free[rank];
    public ref bool Mandatory(int candidate) => ref _mandatory[candidate];

    /// <summary>b_i: subtracted from the objective if candidate i is admitted (0 unless set).</summary>
    public ref double Bonus(int candidate) => ref _bonus[candidate];

    /// <summary>Σ_h w_h a_i(h): the load candidate i adds to the sum term (valid after <see cref="Seal"/>).</summary>
    public double Reward(int candidate) => _reward[candidate];

    internal ReadOnlySpan<double> BaseLoads => _base.AsSpan(0, Ranks * Rows);
    internal ReadOnlySpan<double> Profiles => _profile.AsSpan(0, Candidates * Rows);
    internal ReadOnlySpan<int> FreeSlots => _free.AsSpan(0, Ranks);

    /// <summary>Checks the instance is feasible and precomputes rewards. Call after filling it in.</summary>
    public void Seal()
    {
        var totalFree = 0;
        for (var g = 0; g < Ranks; g++)
        {
            if (_free[g] < 0) throw new InvalidOperationException($"rank {g} has {_free[g]} free slots");
            if (g >= ScoredRanks && _free[g] != 0) throw new InvalidOperationException("the refill column takes no requests");
            totalFree += _free[g];
        }
        var mandatory = 0;
        for (var i = 0; i < Candidates; i++)
        {
            if (_mandatory[i]) mandatory++;
            var profile = Profile(i);
            var reward = 0.0;
            for (var h = 0; h < Rows; h++) reward += _weights[h] * profile[h];
            _reward[i] = reward;
        }
        if (AdmitCount < 0 || AdmitCount > Math.Min(Candidates, totalFree))
            throw new InvalidOperationException($"cannot admit {AdmitCount} of {Candidates} candidates into {totalFree} free slots");
        if (mandatory > AdmitCount)
            throw new InvalidOperationException($"{mandatory} mandatory candidates exceed the {AdmitCount} to admit");
    }

    /// <summary>
    /// The objective of a complete assignment (rank per candidate, −1 = stays queued), or +∞ if it is
    /// infeasible (wrong count, a rank over its free slots, a mandatory candidate left out).
    /// </summary>
    public double Evaluate(ReadOnlySpan<int> rankOf)
    {
        Ensure(ref _evalLoad, Ranks * Rows);
        var load = _evalLoad.AsSpan(0, Ranks * Rows);
        _base.AsSpan(0, Ranks * Rows).CopyTo(load);
        Span<int> used = Ranks <= 256 ? stackalloc int[Ranks] : new int[Ranks];
        used.Clear();
        var admitted = 0;
        var bonus = 0.0;
        for (var i = 0; i < Candidates; i++)
        {
            var g = rankOf[i];
            if (g < 0)
            {
                if (_mandatory[i]) return double.PositiveInfinity;
                continue;
            }
            if (g >= Ranks || ++used[g] > _free[g]) return double.PositiveInfinity;
            admitted++;
            bonus += _bonus[i];
            var column = load.Slice(g * Rows, Rows);
            var profile = Profile(i);
            for (var h = 0; h < Rows; h++) column[h] += profile[h];
        }
        if (admitted != AdmitCount) return double.PositiveInfinity;
        return Objective(load, Ranks, ScoredRanks, Rows, _weights) - bonus;
    }

    /// <summary>Σ_h w_h (G·max − Σ): the max over all <paramref name="columns"/>, G and the sum over the first
    /// <paramref name="scoredRanks"/> (the real ranks; a refill column after them only raises the max).</summary>
    internal static double Objective(ReadOnlySpan<double> load, int columns, int scoredRanks, int rows, ReadOnlySpan<double> weights)
    {
        var total = 0.0;
        for (var h = 0; h < rows; h++)
        {
            var (max, sum) = RowMaxAndSum(load, columns, scoredRanks, rows, h);
            total += weights[h] * ((double)scoredRanks * max - sum);
        }
        return total;
    }

    /// <summary>Row <paramref name="h"/> of column-major <paramref name="load"/>: the max over all
    /// <paramref name="columns"/> and the sum over the first <paramref name="scoredRanks"/> (a refill column after the
    /// ranks raises the max only), the one rule every solver and bound applies.</summary>
    internal static (double Max, double Sum) RowMaxAndSum(ReadOnlySpan<double> load, int columns, int scoredRanks, int rows, int h)
    {
        var max = double.NegativeInfinity;
        var sum = 0.0;
        for (var g = 0; g < columns; g++)
        {
            var v = load[g * rows + h];
            if (g < scoredRanks) sum += v;
            if (v > max) max = v;
        }
        return (max, sum);
    }
}
