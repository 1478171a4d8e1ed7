namespace Scheduler.Core.Model;

/// <summary>
/// The state a placement policy sees and changes: every request's phase and progress, every rank's
/// active set and load L_g = Σ(s_i + gen_i), and the waiting queue. The simulator and the runtime's
/// balancer both drive one of these, so a policy behaves the same in both.
/// </summary>
/// <remarks>Flat arrays, no per-step allocation: the simulator calls into this thousands of times per run.</remarks>
public sealed class ClusterState
{
    private int _count;
    private int[] _prompt = [];
    private int[] _output = [];
    private int[] _predicted = [];
    private double[] _arrival = [];
    private int[] _generated = [];
    private int[] _rankOf = [];
    private int[] _slotOf = [];
    private RequestPhase[] _phase = [];
    private double[] _start = [];
    private double[] _firstToken = [];
    private double[] _finish = [];

    // Pending requests form the id range [_nextPending, _count); this deque holds the ids of that range
    // whose ô is larger than every later one, so its front is the pending maximum (R in bfio-ref).
    private int[] _pendingMax = [];
    private int _pendingMaxHead;
    private int _pendingMaxTail;

    private readonly long[] _load;
    private readonly int[] _activeCount;
    private readonly int[] _active;

    private int[] _queue;
    private int _queueCount;
    private int _nextPending;
    private int _finishedCount;
    private int _activeTotal;
    private int _finishedResidualMax;
    private int _admittedThisCall;
    private readonly List<Admission>? _admissions;

    /// <summary>A state holding every request of <paramref name="workload"/> as pending.</summary>
    public ClusterState(Workload workload, ClusterShape shape, bool recordAdmissions = true)
        : this(shape, workload.Count, recordAdmissions)
    {
        foreach (var r in workload.Requests) AddRequest(r);
    }

    /// <summary>An empty state that requests join one by one through <see cref="AddRequest"/> (streaming ingestion).</summary>
    public ClusterState(ClusterShape shape, int capacityHint = 1024, bool recordAdmissions = true)
    {
        Shape = shape;
        Grow(Math.Max(16, capacityHint));
        _load = new long[shape.Ranks];
        _activeCount = new int[shape.Ranks];
        _active = new int[shape.Ranks * shape.BatchSize];
        _queue = new int[Math.Max(16, 4 * shape.Ranks)];
        _admissions = recordAdmissions ? new List<Admission>(capacityHint) : null;
    }

    /// <summary>
    /// Append a request as pending. Ids must be 0, 1, 2, … in order and arrivals must not decrease, so
    /// pending requests are revealed in id order exactly as the reference does.
    /// </summary>
    public void AddRequest(in Request r)
    {
        if (r.Id != _count) throw new ArgumentException($"request id {r.Id} out of order: expected {_count}");
        if (r.PromptTokens <= 0) throw new ArgumentException($"request {r.Id}: prompt_tokens {r.PromptTokens} must be positive");
        if (r.OutputTokens <= 0) throw new ArgumentException($"request {r.Id}: output_tokens {r.OutputTokens} must be positive");
        if (r.PredictedOutputTokens < 0) throw new ArgumentException($"request {r.Id}: predicted_output_tokens must not be negative");
        if (_count > 0 && r.ArrivalSeconds < _arrival[_count - 1])
            throw new ArgumentException($"request {r.Id} arrives at {r.ArrivalSeconds}s, before request {_count - 1}");
        if (_count == _prompt.Length) Grow(_prompt.Length * 2);
        var i = _count++;
        _prompt[i] = r.PromptTokens;
        _output[i] = r.OutputTokens;
        _predicted[i] = r.PredictedOutputTokens;
        _arrival[i] = r.ArrivalSeconds;
        _rankOf[i] = -1;
        _start[i] = double.NaN;
        _firstToken[i] = double.NaN;
        _finish[i] = double.NaN;
        while (_pendingMaxTail > _pendingMaxHead && _predicted[_pendingMax[_pendingMaxTail - 1]] <= r.PredictedOutputTokens) _pendingMaxTail--;
        _pendingMax[_pendingMaxTail++] = i;
    }

    private void Grow(int capacity)
    {
        Array.Resize(ref _prompt, capacity);
        Array.Resize(ref _output, capacity);
        Array.Resize(ref _predicted, capacity);
        Array.Resize(ref _arrival, capacity);
        Array.Resize(ref _generated, capacity);
        Array.Resize(ref _rankOf, capacity);
        Array.Resize(ref _slotOf, capacity);
        Array.Resize(ref _phase, capacity);
        Array.Resize(ref _start, capacity);
        Array.Resize(ref _firstToken, capacity);
        Array.Resize(ref _finish, capacity);
        // The deque never holds more than the pending ids; compact it to the front when growing.
        var live = _pendingMaxTail - _pendingMaxHead;
        var deque = new int[capacity];
        Array.Copy(_pendingMax, _pendingMaxHead, deque, 0, live);
        _pendingMax = deque;
        _pendingMaxHead = 0;
        _pendingMaxTail = live;
    }

    public ClusterShape Shape { get; }
    public int Ranks => Shape.Ranks;
    public int BatchSize => Shape.BatchSize;
    public int RequestCount => _count;

    /// <summary>Simulated seconds since t=0.</summary>
    public double Clock { get; private set; }

    /// <summary>Number of decode steps completed so far.</summary>
    public int Step { get; private set; }

    /// <summary>The step index of the most recent admission (-1 before any).</summary>
    public int LastAdmissionStep { get; private set; } = -1;

    public int FinishedCount => _finishedCount;
    public int ActiveTotal => _activeTotal;
    public int PendingCount => RequestCount - _nextPending;
    public bool HasPending => _nextPending < RequestCount;
    public int QueueCount => _queueCount;
    public bool AllFinished => _finishedCount == RequestCount;
    public IReadOnlyList<Admission> Admissions => (IReadOnlyList<Admission>?)_admissions ?? Array.Empty<Admission>();

    /// <summary>
    /// The waiting queue in order, as it stood when the policy was called. An entry admitted during the
    /// call stays in the span until the call returns (check <see cref="IsQueued"/>).
    /// </summary>
    public ReadOnlySpan<int> Queue => _queue.AsSpan(0, _queueCount);

    public bool IsQueued(int requestId) => _phase[requestId] == RequestPhase.Queued;
    public RequestPhase PhaseOf(int requestId) => _phase[requestId];

    public long Load(int rank) => _load[rank];
    public int ActiveCount(int rank) => _activeCount[rank];
    public int FreeSlots(int rank) => BatchSize - _activeCount[rank];

    public ReadOnlySpan<long> Loads => _load;
    public ReadOnlySpan<int> ActiveCounts => _activeCount;

    public int TotalFreeSlots()
    {
        var free = 0;
        for (var g = 0; g < _activeCount.Length; g++) free += BatchSize - _activeCount[g];
        return free;
    }

    public ReadOnlySpan<int> ActiveRequests(int rank) =>
        _active.AsSpan(rank * BatchSize, _activeCount[rank]);

    public int PromptTokens(int requestId) => _prompt[requestId];
    public int Generated(int requestId) => _generated[requestId];
    public int PredictedOutput(int requestId) => _predicted[requestId];
    public double ArrivalSeconds(int requestId) => _arrival[requestId];
    public int RankOf(int requestId) => _rankOf[requestId];
    public double StartTime(int requestId) => _start[requestId];
    public double FirstTokenTime(int requestId) => _firstToken[requestId];
    public double FinishTime(int requestId) => _finish[requestId];

    /// <summary>
    /// The true output length, which only a finished request reveals: a predictor that learns online may
    /// read it, nothing may read it earlier.
    /// </summary>
    public int FinishedOutputTokens(int requestId) =>
        _phase[requestId] == RequestPhase.Finished
            ? _output[requestId]
            : throw new InvalidOperationException($"request {requestId} has not finished; its output length is unknown");

    /// <summary>
    /// R = max over all N requests of max(ô_i − gen_i, 0) (SPEC §3 bfio-ref step 1), in O(active + queue),
    /// or <paramref name="cap"/> as soon as R is known to reach it (callers that clamp R need no more).
    /// </summary>
    public int MaxPredictedRemaining(int cap = int.MaxValue)
    {
        var best = Math.Max(0, _finishedResidualMax);
        if (_pendingMaxTail > _pendingMaxHead) best = Math.Max(best, _predicted[_pendingMax[_pendingMaxHead]]);
        if (best >= cap) return cap;
        for (var q = 0; q < _queueCount; q++)
        {
            var id = _queue[q];
            var r = _predicted[id] - _generated[id];
            if (r > best) best = r;
        }
        if (best >= cap) return cap;
        for (var g = 0; g < Ranks; g++)
        {
            foreach (var id in ActiveRequests(g))
            {
                var r = _predicted[id] - _generated[id];
                if (r > best) best = r;
            }
            if (best >= cap) return cap;
        }
        return best;
    }

    /// <summary>Reference reveal: move pending requests, in id order, to the back of the queue until it
    /// holds <paramref name="window"/> or none are left.</summary>
    public void RevealUpTo(int window)
    {
        while (_queueCount < window && _nextPending < RequestCount)
            Enqueue(_nextPending++);
    }

    /// <summary>Timed arrivals: move every pending request that has arrived by <paramref name="clock"/>.</summary>
    public void RevealArrivedBy(double clock)
    {
        while (_nextPending < RequestCount && _arrival[_nextPending] <= clock)
            Enqueue(_nextPending++);
    }

    /// <summary>The arrival time of the next pending request (+∞ when none is left).</summary>
    public double NextPendingArrival() =>
        _nextPending < RequestCount ? _arrival[_nextPending] : double.PositiveInfinity;

    private void Enqueue(int id)
    {
        if (_pendingMaxTail > _pendingMaxHead && _pendingMax[_pendingMaxHead] == id) _pendingMaxHead++;
        if (_queueCount == _queue.Length) Array.Resize(ref _queue, _queue.Length * 2);
        _queue[_queueCount++] = id;
        _phase[id] = RequestPhase.Queued;
    }

    /// <summary>Admit a queued request to a rank with a free slot; L_g grows by s_i + gen_i.</summary>
    public void Admit(int requestId, int rank)
    {
        if ((uint)requestId >= (uint)RequestCount)
            throw new ArgumentOutOfRangeException(nameof(requestId), requestId, "no such request");
        if ((uint)rank >= (uint)Ranks)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, "no such rank");
        if (_phase[requestId] != RequestPhase.Queued)
            throw new InvalidOperationException($"request {requestId} is {_phase[requestId]}, not queued; only queued requests can be admitted");
        var count = _activeCount[rank];
        if (count >= BatchSize)
            throw new InvalidOperationException($"rank {rank} is full ({BatchSize} active); cannot admit request {requestId}");

        _active[rank * BatchSize + count] = requestId;
        _slotOf[requestId] = count;
        _activeCount[rank] = count + 1;
        _activeTotal++;
        _load[rank] += _prompt[requestId] + _generated[requestId];
        _rankOf[requestId] = rank;
        _phase[requestId] = RequestPhase.Active;
        if (double.IsNaN(_start[requestId])) _start[requestId] = Clock;
        LastAdmissionStep = Step;
        _admittedThisCall++;
        _admissions?.Add(new Admission(Step, requestId, rank));
    }

    /// <summary>Called before a policy runs.</summary>
    internal void BeginPolicyCall() => _admittedThisCall = 0;

    /// <summary>Drop admitted requests from the queue, keeping the rest in order. Returns how many left it.</summary>
    public int CompactQueue()
    {
        if (_admittedThisCall == 0) return 0;
        var w = 0;
        for (var r = 0; r < _queueCount; r++)
        {
            var id = _queue[r];
            if (_phase[id] == RequestPhase.Queued) _queue[w++] = id;
        }
        var removed = _queueCount - w;
        _queueCount = w;
        _admittedThisCall = 0;
        return removed;
    }

    /// <summary>Advance the clock without a decode step (timed arrivals: idle until the next request).</summary>
    public void AdvanceClockTo(double clock)
    {
        if (clock < Clock) throw new ArgumentOutOfRangeException(nameof(clock), clock, "the clock never goes back");
        Clock = clock;
    }

    /// <summary>
    /// One decode step of <paramref name="duration"/> seconds: every active request generates a token,
    /// then every request that has produced its output finishes and leaves its rank.
    /// Finished ids are appended to <paramref name="finished"/>.
    /// </summary>
    public void AdvanceStep(double duration, List<int> finished)
    {
        GenerateTokens(duration);
        for (var g = 0; g < Ranks; g++)
        {
            // Walk backwards so swap-removal never skips an entry.
            for (var i = _activeCount[g] - 1; i >= 0; i--)
            {
                var id = _active[g * BatchSize + i];
                if (_generated[id] >= _output[id])
                {
                    finished.Add(id);
                    Complete(id);
                }
            }
        }
    }

    /// <summary>
    /// One decode step whose completions the ranks reported (the runtime's barrier): tokens are generated
    /// as in <see cref="AdvanceStep"/>, then exactly the reported requests leave, in the same order the
    /// simulator removes them, so both keep identical state whatever order the reports came in.
    /// </summary>
    public void ApplyStep(double duration, ReadOnlySpan<int> reportedFinished, List<int> finished)
    {
        if (_reportMark.Length < _prompt.Length) _reportMark = new bool[_prompt.Length];
        foreach (var id in reportedFinished)
        {
            if ((uint)id >= (uint)_count || _phase[id] != RequestPhase.Active)
                throw new InvalidOperationException($"reported finished request {id} is not active");
            if (_reportMark[id]) throw new InvalidOperationException($"request {id} reported finished twice");
            _reportMark[id] = true;
        }
        GenerateTokens(duration);
        for (var g = 0; g < Ranks; g++)
        {
            for (var i = _activeCount[g] - 1; i >= 0; i--)
            {
                var id = _active[g * BatchSize + i];
                if (!_reportMark[id]) continue;
                _reportMark[id] = false;
                finished.Add(id);
                Complete(id);
            }
        }
    }

    private bool[] _reportMark = [];

    private void GenerateTokens(double duration)
    {
        Clock += duration;
        Step++;
        for (var g = 0; g < Ranks; g++)
        {
            var count = _activeCount[g];
            if (count == 0) continue;
            foreach (var id in _active.AsSpan(g * BatchSize, count))
            {
                if (++_generated[id] == 1) _firstToken[id] = Clock;
            }
            _load[g] += count;
        }
    }

    /// <summary>A request leaves its rank finished at the current clock.</summary>
    public void Complete(int requestId)
    {
        if (_phase[requestId] != RequestPhase.Active)
            throw new InvalidOperationException($"request {requestId} is {_phase[requestId]}, not active; it cannot finish");
        var g = _rankOf[requestId];
        var baseIndex = g * BatchSize;
        var slot = _slotOf[requestId];
        var last = _activeCount[g] - 1;
        if (slot != last)
        {
            var moved = _active[baseIndex + last];
            _active[baseIndex + slot] = moved;
            _slotOf[moved] = slot;
        }
        _activeCount[g] = last;
        _activeTotal--;
        _load[g] -= _prompt[requestId] + _generated[requestId];
        _phase[requestId] = RequestPhase.Finished;
        _finish[requestId] = Clock;
        _finishedCount++;
        var residual = _predicted[requestId] - _generated[requestId];
        if (residual > _finishedResidualMax) _finishedResidualMax = residual;
    }
}
