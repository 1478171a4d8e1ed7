namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// Which candidates the solver has placed on each rank, as one doubly linked list per rank over candidate indexes:
/// adding and removing are O(1), and work after an exchange walks only the ranks it changed.
/// </summary>
internal sealed class RankMembers
{
    private int[] _first = [];  // per rank, its first candidate or −1
    private int[] _next = [];   // per candidate, the next on its rank or −1
    private int[] _previous = [];

    /// <summary>Every rank empty, room for <paramref name="candidates"/> candidates.</summary>
    public void Reset(int ranks, int candidates)
    {
        Buffers.Ensure(ref _first, ranks);
        Buffers.Ensure(ref _next, candidates);
        Buffers.Ensure(ref _previous, candidates);
        Array.Fill(_first, -1, 0, ranks);
    }

    /// <summary>The first candidate on rank g (−1: none); walk on with <see cref="Next"/>.</summary>
    public int First(int g) => _first[g];

    /// <summary>The candidate after i on its rank (−1: i was the last).</summary>
    public int Next(int i) => _next[i];

    public void Add(int i, int g)
    {
        _previous[i] = -1;
        _next[i] = _first[g];
        if (_first[g] >= 0) _previous[_first[g]] = i;
        _first[g] = i;
    }

    public void Remove(int i, int g)
    {
        if (_previous[i] >= 0) _next[_previous[i]] = _next[i];
        else _first[g] = _next[i];
        if (_next[i] >= 0) _previous[_next[i]] = _previous[i];
    }
}
