using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Production;

/// <summary>
/// The load signals a production balancer reads from its ranks — per rank the active request count, the
/// KV load L_g and the prompt tokens of its active requests — as captured at one moment, plus what this
/// balancer has sent to each rank since (its optimistic local increments). Real balancers poll these
/// every 20–100 ms; <see cref="RefreshIfStale"/> simulates that lag. Capacity is never read from here.
/// A rank that lost its requests (<see cref="ClusterState.RestartRank"/>) shows empty at the next refresh, as it
/// would to a balancer that polls: the lag applies to that news as to any other.
/// <para>With arrival binding the snapshot also holds each rank's own queue (requests bound to it and waiting, and
/// their prompt tokens): an engine reports its waiting queue with its running count. In pool mode those are 0, so the
/// figures below are the pool policies' unchanged.</para>
/// </summary>
internal sealed class LoadSnapshot
{
    private ClusterView? _source;
    private int[] _running = [];
    private long[] _load = [];
    private long[] _promptTokens = [];
    private int[] _queued = [];
    private long[] _queuedPromptTokens = [];
    private int[] _sentRequests = [];
    private long[] _sentPromptTokens = [];

    /// <param name="staleSeconds">How old the snapshot may grow before it is taken again (0: every call).</param>
    public LoadSnapshot(double staleSeconds)
    {
        if (!double.IsFinite(staleSeconds) || staleSeconds < 0)
            throw new ArgumentOutOfRangeException(nameof(staleSeconds), staleSeconds, "staleness must be a finite number of seconds ≥ 0");
        StaleSeconds = staleSeconds;
    }

    public double StaleSeconds { get; }

    /// <summary>The clock at which the snapshot was last taken.</summary>
    public double TakenAt { get; private set; }

    /// <summary>Takes the snapshot again when it is at least <see cref="StaleSeconds"/> old (or was taken from
    /// another state); returns whether it did.</summary>
    public bool RefreshIfStale(ClusterView state)
    {
        if (ReferenceEquals(state, _source) && state.Clock - TakenAt < StaleSeconds) return false;
        Capture(state);
        return true;
    }

    /// <summary>Reads every rank's load signals now and forgets what was sent before.</summary>
    public void Capture(ClusterView state)
    {
        var ranks = state.Ranks;
        if (_running.Length != ranks)
        {
            _running = new int[ranks];
            _load = new long[ranks];
            _promptTokens = new long[ranks];
            _queued = new int[ranks];
            _queuedPromptTokens = new long[ranks];
            _sentRequests = new int[ranks];
            _sentPromptTokens = new long[ranks];
        }
        for (var g = 0; g < ranks; g++)
        {
            _running[g] = state.ActiveCount(g);
            _load[g] = state.Load(g);
            long prompts = 0;
            foreach (var id in state.ActiveRequests(g)) prompts += state.PromptTokens(id);
            _promptTokens[g] = prompts;
            _queued[g] = state.BoundCount(g);
            _queuedPromptTokens[g] = state.BoundPromptTokens(g);
        }
        Array.Clear(_sentRequests);
        Array.Clear(_sentPromptTokens);
        _source = state;
        TakenAt = state.Clock;
    }

    /// <summary>Counts a request this balancer has just sent to <paramref name="rank"/>.</summary>
    public void RecordSent(int rank, int promptTokens)
    {
        _sentRequests[rank]++;
        _sentPromptTokens[rank] += promptTokens;
    }

    /// <summary>Requests active on the rank when the snapshot was taken.</summary>
    public int Running(int rank) => _running[rank];

    /// <summary>Requests waiting in the rank's own queue at the snapshot (arrival binding; 0 in pool mode).</summary>
    public int Queued(int rank) => _queued[rank];

    /// <summary>Requests waiting for the rank: in its queue at the snapshot plus sent to it since (not yet in its reported counts).</summary>
    public int Waiting(int rank) => _queued[rank] + _sentRequests[rank];

    /// <summary>Running plus waiting.</summary>
    public int Requests(int rank) => _running[rank] + _queued[rank] + _sentRequests[rank];

    /// <summary>KV tokens held at the snapshot (prompts and generated tokens), plus the prompts queued there then and sent since.</summary>
    public long KvTokens(int rank) => _load[rank] + _queuedPromptTokens[rank] + _sentPromptTokens[rank];

    /// <summary>Prompt tokens of the active and queued requests at the snapshot plus prompts sent since (no generated tokens).</summary>
    public long PromptTokens(int rank) => _promptTokens[rank] + _queuedPromptTokens[rank] + _sentPromptTokens[rank];
}
