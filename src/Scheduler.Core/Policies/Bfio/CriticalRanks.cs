namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// The exchange search's critical ranks: those holding the maximum of some weighted row alone (at most one per row). Only
/// an exchange touching one of them can lower a maximum, so the search tries every exchange for their candidates and, for
/// the others, only what can pay without lowering one (a replacement by a candidate worth more, a swap with a critical
/// rank's candidate). Kept with the rows they lead, the candidates placed on them and, across one exchange, the ranks that
/// were critical before it (those that just became critical open their candidates' searches again).
/// </summary>
internal sealed class CriticalRanks
{
    private bool[] _marked = [];      // [g]: rank g is critical
    private int[] _ranks = [];        // the marked ranks, ascending
    private int _rankCount;
    private int[] _rows = [];         // the rows a rank holds the maximum of alone (weighted), ascending
    private int _rowCount;
    private int[] _candidates = [];   // the candidates placed on the marked ranks, rank by rank
    private int _candidateCount;
    private int[] _before = [];       // the marked ranks before the exchange being applied
    private int _beforeCount;

    /// <summary>Room for <paramref name="ranks"/> ranks, <paramref name="rows"/> rows and <paramref name="candidates"/>
    /// candidates, ahead of the first problem that large.</summary>
    public void Reserve(int ranks, int rows, int candidates)
    {
        Buffers.Ensure(ref _marked, ranks);
        Buffers.Ensure(ref _ranks, rows);
        Buffers.Ensure(ref _rows, rows);
        Buffers.Ensure(ref _before, rows);
        Buffers.Ensure(ref _candidates, candidates);
    }

    /// <summary>No rank critical, for a problem of <paramref name="ranks"/> ranks.</summary>
    public void Reset(int ranks)
    {
        Array.Clear(_marked, 0, ranks);
        _rankCount = 0;
        _rowCount = 0;
        _candidateCount = 0;
    }

    public bool IsCritical(int g) => _marked[g];

    /// <summary>The critical ranks, ascending.</summary>
    public ReadOnlySpan<int> Ranks => _ranks.AsSpan(0, _rankCount);

    /// <summary>The weighted rows whose maximum one rank holds alone, ascending.</summary>
    public ReadOnlySpan<int> Rows => _rows.AsSpan(0, _rowCount);

    /// <summary>The candidates placed on the critical ranks, rank by rank in <see cref="Ranks"/> order.</summary>
    public ReadOnlySpan<int> Candidates => _candidates.AsSpan(0, _candidateCount);

    /// <summary>
    /// Marks the rank holding each weighted row's maximum alone (strictly above the second largest load there), from the
    /// rows' leaders, and lists the candidates <paramref name="members"/> places on them. Only the ranks marked before are
    /// unmarked, so this costs O(rows) plus the candidates listed, not O(G).
    /// </summary>
    public void Update(RowLeaders leaders, ReadOnlySpan<double> weights, int rows, RankMembers members)
    {
        for (var k = 0; k < _rankCount; k++) _marked[_ranks[k]] = false;
        _rankCount = 0;
        _rowCount = 0;
        for (var h = 0; h < rows; h++)
        {
            if (!(weights[h] > 0 && leaders.Load(h, 0) > leaders.Load(h, 1))) continue;
            _rows[_rowCount++] = h;
            var g = leaders.Rank(h, 0);
            if (_marked[g]) continue;
            _marked[g] = true;
            // In rank order, as a scan of every rank would list them.
            var at = _rankCount++;
            while (at > 0 && _ranks[at - 1] > g)
            {
                _ranks[at] = _ranks[at - 1];
                at--;
            }
            _ranks[at] = g;
        }
        _candidateCount = 0;
        foreach (var g in Ranks)
            for (var j = members.First(g); j >= 0; j = members.Next(j)) _candidates[_candidateCount++] = j;
    }

    /// <summary>Remembers the critical ranks now, before an exchange is applied (<see cref="WasCritical"/>).</summary>
    public void RememberBefore()
    {
        Ranks.CopyTo(_before);
        _beforeCount = _rankCount;
    }

    /// <summary>Whether rank g was critical when <see cref="RememberBefore"/> was last called.</summary>
    public bool WasCritical(int g)
    {
        foreach (var r in _before.AsSpan(0, _beforeCount))
            if (r == g) return true;
        return false;
    }
}
