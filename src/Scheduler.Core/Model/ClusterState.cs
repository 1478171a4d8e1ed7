using System.Runtime.InteropServices;

namespace Scheduler.Core.Model;

/// <summary>
/// The state a placement policy sees and changes: every request's phase and progress, every rank's
/// active set and load L_g = Σ(s_i + gen_i), and the waiting queue — one pool, or with arrival binding
/// (<see cref="BindingMode.Arrival"/>) each rank's own FIFO queue of requests bound to it. The simulator and the runtime's
/// balancer both drive one of these, so a policy behaves the same in both.
/// </summary>
/// <remarks>Flat arrays, no per-step allocation: the simulator calls into this thousands of times per run.</remarks>
public sealed class ClusterState
{
    // Per-slot request data. A slot is an index into these arrays; it holds one request from AddRequest until
    // Release, then the next request reuses it, so an endless stream needs only as many slots as it holds at once.
    private int _slotCount;
    private int[] _prompt = [];
    private int[] _output = [];
    private int[] _predicted = [];
    private double[] _arrival = [];
    // A request generates one token per step while active, so its count is Step − _admitStep; _generated holds the
    // count once it has finished. Requests due to finish are bucketed by the step they finish at, so a step costs
    // what finishes in it rather than a pass over every active request.
    private int[] _generated = [];
    private int[] _admitStep = [];
    private readonly Dictionary<int, int> _finishingHead; // finish step → first slot due then (sized in the constructor)
    private int[] _nextFinishing = [];                             // slot → next slot due at the same step, or −1
    private long[] _finishOrder = [];
    private int[] _finishIds = [];
    private int[] _rankOf = [];
    private int[] _slotOf = [];
    private RequestPhase[] _phase = [];
    private double[] _start = [];
    private double[] _firstToken = [];
    private double[] _finish = [];
    private long[] _serial = [];
    private int[] _queuedStep = [];
    private int[] _boundTo = [];
    private int[] _free = [];
    private int _freeCount;

    // Pending requests in arrival order, and the subsequence of them whose ô is larger than every later
    // one, so its front is the pending maximum (R in bfio-ref).
    private readonly SlotDeque _pending;
    private readonly SlotDeque _pendingMax;
    private double _lastArrival;

    private readonly long[] _load;
    private readonly int[] _activeCount;
    private readonly int[] _active;
    // Each active request's prompt, admission step and ô, laid out as _active (rank-major), so a policy projecting
    // every rank reads them in sequence rather than looking up each request by slot (the decision's largest pass).
    private readonly int[] _activePrompt;
    private readonly int[] _activeAdmitStep;
    private readonly int[] _activePredicted;

    // The waiting queue is _queue[_queueHead .. _queueHead + _queueCount); _queueIndex[slot] is a queued request's
    // index there. Compaction after a policy call moves only the entries before the last one admitted (rightwards,
    // keeping order), so a call that admits from the head of a long queue costs what it admitted, not the queue.
    private int[] _queue;
    private int _queueHead;
    private int _queueCount;
    private int[] _queueIndex = [];
    private int _lastAdmittedIndex = -1;
    private long _added;
    private long _finishedCount;
    private long _restartedCount;
    private int _activeTotal;
    private int _finishedResidualMax;
    private int _admittedThisCall;
    private readonly List<Admission>? _admissions;
    private readonly List<Admission> _recentAdmissions;
    private bool[] _reportMark = [];

    // Arrival binding: each rank's FIFO of requests bound to it and waiting for a slot there, with the sum of their
    // prompts kept as they come and go (routers read it per call). Empty arrays in pool mode.
    private readonly RankQueue[] _bound;
    private readonly long[] _boundPrompt;
    private int _boundTotal;
    /// <summary>A state holding every request of <paramref name="workload"/> as pending (slot = request id).</summary>
    public ClusterState(Workload workload, ClusterShape shape, bool recordAdmissions = true)
        : this(shape, workload.Count, recordAdmissions)
    {
        foreach (var r in workload.Requests) AddRequest(r);
    }

    /// <summary>An empty state that requests join one by one through <see cref="AddRequest"/> (streaming ingestion).</summary>
    public ClusterState(ClusterShape shape, int capacityHint = 1024, bool recordAdmissions = true, BindingMode binding = BindingMode.Pool)
    {
        Shape = shape;
        Binding = binding;
        var boundRanks = binding == BindingMode.Arrival ? shape.Ranks : 0;
        _bound = new RankQueue[boundRanks];
        for (var g = 0; g < boundRanks; g++) _bound[g] = new RankQueue(4 * shape.BatchSize);
        _boundPrompt = new long[boundRanks];
        Grow(Math.Max(16, capacityHint));
        _pending = new SlotDeque(Math.Max(16, capacityHint));
        _pendingMax = new SlotDeque(16);
        _load = new long[shape.Ranks];
        _activeCount = new int[shape.Ranks];
        _active = new int[shape.Ranks * shape.BatchSize];
        _activePrompt = new int[_active.Length];
        _activeAdmitStep = new int[_active.Length];
        _activePredicted = new int[_active.Length];
        _queue = new int[Math.Max(16, 4 * shape.Ranks)];
        _admissions = recordAdmissions ? new List<Admission>(capacityHint) : null;
        _recentAdmissions = new List<Admission>(shape.Ranks * shape.BatchSize);
        // At most every active request finishes in one step.
        EnsureFinishBuffers(shape.Ranks * shape.BatchSize);
        // Each active request is due at one step, and a step's entry goes when it passes: at most G·B steps are due at
        // once. Sized for them here, the map never grows inside an admission, that is inside a policy's decision (a G=128
        // bursty backlog grew it by 13 and 27 KB in two of its 41 calls).
        _finishingHead = new Dictionary<int, int>(shape.Ranks * shape.BatchSize);
        View = new ClusterView(this);
    }

    /// <summary>What a placement policy sees of this state: everything to read, and admission (<see cref="ClusterView"/>).</summary>
    public ClusterView View { get; }

    /// <summary>Hands a policy its view where a caller passes the state itself.</summary>
    public static implicit operator ClusterView(ClusterState state) => state.View;

    /// <summary>
    /// Append a request as pending and return the slot it occupies: the first free slot, else a new one, so
    /// a state that never releases gives the requests slots 0, 1, 2, … in the order they are added (the
    /// reference's ids). Arrivals must not decrease, so pending requests are revealed in arrival order.
    /// </summary>
    public int AddRequest(in Request r)
    {
        if (r.PromptTokens <= 0) throw new ArgumentException($"request {r.Id}: prompt_tokens {r.PromptTokens} must be positive");
        if (r.OutputTokens <= 0) throw new ArgumentException($"request {r.Id}: output_tokens {r.OutputTokens} must be positive");
        if (r.PredictedOutputTokens < 0) throw new ArgumentException($"request {r.Id}: predicted_output_tokens must not be negative");
        if (_added > 0 && r.ArrivalSeconds < _lastArrival)
            throw new ArgumentException($"request {r.Id} arrives at {r.ArrivalSeconds}s, before the request added before it ({_lastArrival}s)");
        var slot = Occupy(r);
        _phase[slot] = RequestPhase.Pending;
        _queuedStep[slot] = -1;
        _pending.PushBack(slot);
        while (_pendingMax.Count > 0 && _predicted[_pendingMax.Back] <= r.PredictedOutputTokens) _pendingMax.PopBack();
        _pendingMax.PushBack(slot);
        return slot;
    }

    /// <summary>The first free slot (else a new one), holding <paramref name="r"/> with no progress, rank or times yet.</summary>
    private int Occupy(in Request r)
    {
        int slot;
        if (_freeCount > 0) slot = _free[--_freeCount];
        else
        {
            if (_slotCount == _prompt.Length) Grow(_prompt.Length * 2);
            slot = _slotCount++;
        }
        _prompt[slot] = r.PromptTokens;
        _output[slot] = r.OutputTokens;
        _predicted[slot] = r.PredictedOutputTokens;
        _arrival[slot] = r.ArrivalSeconds;
        _generated[slot] = 0;
        _rankOf[slot] = -1;
        _start[slot] = double.NaN;
        _firstToken[slot] = double.NaN;
        _finish[slot] = double.NaN;
        _serial[slot] = _added++;
        _boundTo[slot] = -1;
        _lastArrival = r.ArrivalSeconds;
        return slot;
    }

    /// <summary>
    /// Take over a request that is already decoding on <paramref name="rank"/>, <paramref name="generated"/> tokens in: a
    /// balancer that replaces a lost one rebuilds its state from what the ranks report they hold (their KV caches
    /// survived it). The request is active at once, with L_g grown by s_i + gen_i, due to finish when it reaches its
    /// output; it is no admission (no rank is told of it, no first token is due). Its arrival, start and first token
    /// are the takeover (<see cref="Clock"/>): the earlier ones were the lost balancer's, on another clock. Returns its slot.
    /// </summary>
    public int AdoptActive(in Request r, int rank, int generated)
    {
        if ((uint)rank >= (uint)Ranks) throw new ArgumentOutOfRangeException(nameof(rank), rank, "no such rank");
        if (r.PromptTokens <= 0) throw new ArgumentException($"request {r.Id}: prompt_tokens {r.PromptTokens} must be positive");
        if (generated < 0 || generated >= r.OutputTokens)
            throw new ArgumentException($"request {r.Id}: {generated} tokens generated of {r.OutputTokens}; an active request has generated fewer than its output");
        if (r.PredictedOutputTokens < 0) throw new ArgumentException($"request {r.Id}: predicted_output_tokens must not be negative");
        var count = _activeCount[rank];
        if (count >= BatchSize) throw new InvalidOperationException($"rank {rank} is full ({BatchSize} active); cannot adopt request {r.Id}");
        if (_added > 0 && r.ArrivalSeconds < _lastArrival)
            throw new ArgumentException($"request {r.Id} arrives at {r.ArrivalSeconds}s, before the request added before it ({_lastArrival}s)");
        var slot = Occupy(r);
        _phase[slot] = RequestPhase.Active;
        _queuedStep[slot] = Step;
        _rankOf[slot] = rank;
        _start[slot] = Clock;
        _firstToken[slot] = Clock;
        _admitStep[slot] = Step - generated;
        var finishStep = _admitStep[slot] + r.OutputTokens;
        _nextFinishing[slot] = _finishingHead.TryGetValue(finishStep, out var next) ? next : -1;
        _finishingHead[finishStep] = slot;
        PutActive(rank * BatchSize + count, slot);
        _slotOf[slot] = count;
        _activeCount[rank] = count + 1;
        _activeTotal++;
        _load[rank] += r.PromptTokens + generated;
        return slot;
    }

    private void Grow(int capacity)
    {
        Array.Resize(ref _prompt, capacity);
        Array.Resize(ref _output, capacity);
        Array.Resize(ref _predicted, capacity);
        Array.Resize(ref _arrival, capacity);
        Array.Resize(ref _generated, capacity);
        Array.Resize(ref _admitStep, capacity);
        Array.Resize(ref _nextFinishing, capacity);
        Array.Resize(ref _rankOf, capacity);
        Array.Resize(ref _slotOf, capacity);
        Array.Resize(ref _phase, capacity);
        Array.Resize(ref _start, capacity);
        Array.Resize(ref _firstToken, capacity);
        Array.Resize(ref _finish, capacity);
        Array.Resize(ref _serial, capacity);
        Array.Resize(ref _queuedStep, capacity);
        Array.Resize(ref _boundTo, capacity);
        Array.Resize(ref _queueIndex, capacity);
        Array.Resize(ref _free, capacity);
    }

    /// <summary>
    /// The request in <paramref name="slot"/> has finished and its result is out: the slot is free for the next
    /// request. Policies that keep per-request state must have dropped it first (<c>IPlacementPolicy.OnReleased</c>).
    /// </summary>
    public void Release(int slot)
    {
        if ((uint)slot >= (uint)_slotCount) throw new ArgumentOutOfRangeException(nameof(slot), slot, "no such slot");
        if (_phase[slot] != RequestPhase.Finished)
            throw new InvalidOperationException($"slot {slot} is {_phase[slot]}; only a finished request can be released");
        if (_admissions is not null) throw new InvalidOperationException("a state that records every admission keeps every request; it cannot release slots");
        _phase[slot] = RequestPhase.Released;
        _free[_freeCount++] = slot;
    }

    public ClusterShape Shape { get; }

    /// <summary>Whether requests wait in one pool (a policy admits them) or bound to a rank on arrival (a router picks it).</summary>
    public BindingMode Binding { get; }
    public int Ranks => Shape.Ranks;
    public int BatchSize => Shape.BatchSize;

    /// <summary>Slots in use or once used: valid slot indexes are 0 .. SlotCount−1. Without releases, the requests added.</summary>
    public int SlotCount => _slotCount;

    /// <summary>Slots this state has room for before it grows (its per-slot arrays' length, at least the capacity it was
    /// made with): what a policy that keeps something per slot sizes for before its first decision.</summary>
    public int SlotCapacity => _prompt.Length;

    /// <summary>Slots holding a request (not released).</summary>
    public int LiveCount => _slotCount - _freeCount;

    /// <summary>Requests ever added.</summary>
    public long RequestsAdded => _added;

    /// <summary>Simulated seconds since t=0.</summary>
    public double Clock { get; private set; }

    /// <summary>Number of decode steps completed so far.</summary>
    public int Step { get; private set; }

    /// <summary>The step index of the most recent admission (-1 before any).</summary>
    public int LastAdmissionStep { get; private set; } = -1;

    /// <summary>Requests that have finished so far (released ones included).</summary>
    public long FinishedCount => _finishedCount;

    /// <summary>Restarts so far (<see cref="RestartRank"/>): a request lost twice counts twice.</summary>
    public long RestartedCount => _restartedCount;
    public int ActiveTotal => _activeTotal;
    public int PendingCount => _pending.Count;
    public bool HasPending => _pending.Count > 0;
    public int QueueCount => _queueCount;

    /// <summary>Every request waiting for a slot: the pool's queue plus every rank's bound queue.</summary>
    public int WaitingCount => _queueCount + _boundTotal;

    /// <summary>Requests waiting in a rank's own queue (arrival binding), in the order they were bound; empty in pool mode.</summary>
    public ReadOnlySpan<int> BoundQueue(int rank) => _bound.Length == 0 ? ReadOnlySpan<int>.Empty : _bound[rank].Items;

    /// <summary>How many requests wait bound to <paramref name="rank"/> (0 in pool mode).</summary>
    public int BoundCount(int rank) => _bound.Length == 0 ? 0 : _bound[rank].Count;

    /// <summary>Σ prompt tokens of the requests waiting bound to <paramref name="rank"/> (0 in pool mode).</summary>
    public long BoundPromptTokens(int rank) => _boundPrompt.Length == 0 ? 0 : _boundPrompt[rank];

    /// <summary>Requests waiting bound to some rank (0 in pool mode).</summary>
    public int BoundTotal => _boundTotal;

    /// <summary>The rank the request was last bound to (it waits there, or was admitted there); −1 if never bound.</summary>
    public int BoundRankOf(int requestId) => _boundTo[requestId];

    /// <summary>Every request added has finished.</summary>
    public bool AllFinished => _finishedCount == _added;

    /// <summary>Every admission so far, in order (empty unless the state records admissions). A restarted request
    /// appears once per admission: the record is of decisions, and the one that placed it on a lost rank was made.</summary>
    public IReadOnlyList<Admission> Admissions => (IReadOnlyList<Admission>?)_admissions ?? Array.Empty<Admission>();

    /// <summary>The admissions since the last step: what the ranks must be told before the next one.</summary>
    public ReadOnlySpan<Admission> RecentAdmissions => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_recentAdmissions);

    /// <summary>
    /// The waiting queue in order, as it stood when the policy was called. An entry admitted during the
    /// call stays in the span until the call returns (check <see cref="IsQueued"/>).
    /// </summary>
    public ReadOnlySpan<int> Queue => _queue.AsSpan(_queueHead, _queueCount);

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

    /// <summary>The prompts of <see cref="ActiveRequests"/>, entry for entry.</summary>
    public ReadOnlySpan<int> ActivePromptTokens(int rank) => _activePrompt.AsSpan(rank * BatchSize, _activeCount[rank]);

    /// <summary>The steps <see cref="ActiveRequests"/> were admitted at, entry for entry: each has generated
    /// <see cref="Step"/> minus its entry.</summary>
    public ReadOnlySpan<int> ActiveAdmitSteps(int rank) => _activeAdmitStep.AsSpan(rank * BatchSize, _activeCount[rank]);

    /// <summary>The predicted outputs ô of <see cref="ActiveRequests"/>, entry for entry.</summary>
    public ReadOnlySpan<int> ActivePredictedOutputs(int rank) => _activePredicted.AsSpan(rank * BatchSize, _activeCount[rank]);

    /// <summary>Active entry <paramref name="index"/> (rank-major) holds request <paramref name="slot"/>, whose admission step is set.</summary>
    private void PutActive(int index, int slot)
    {
        _active[index] = slot;
        _activePrompt[index] = _prompt[slot];
        _activeAdmitStep[index] = _admitStep[slot];
        _activePredicted[index] = _predicted[slot];
    }

    public int PromptTokens(int requestId) => _prompt[requestId];
    /// <summary>Tokens the request has generated: one per step since its admission while active; its output once finished.</summary>
    public int Generated(int requestId) =>
        _phase[requestId] == RequestPhase.Active ? Step - _admitStep[requestId] : _generated[requestId];
    public int PredictedOutput(int requestId) => _predicted[requestId];
    public double ArrivalSeconds(int requestId) => _arrival[requestId];
    public int RankOf(int requestId) => _rankOf[requestId];
    public double StartTime(int requestId) => _start[requestId];
    public double FirstTokenTime(int requestId) => _firstToken[requestId];
    public double FinishTime(int requestId) => _finish[requestId];

    /// <summary>The true output length, for whoever executes the request (a rank's engine stops there); policies never read it.</summary>
    internal int TrueOutput(int requestId) => _output[requestId];

    /// <summary>The request's place in the order of arrival (0, 1, 2, …; never reused, unlike its slot).</summary>
    public long Serial(int requestId) => _serial[requestId];

    /// <summary>The step at which the request first joined the waiting queue (−1 while pending); a restarted request
    /// keeps it, so its wait counts from its arrival, and queue order stays the order of this step.</summary>
    public int QueuedStep(int requestId) => _queuedStep[requestId];

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
        if (_pendingMax.Count > 0) best = Math.Max(best, _predicted[_pendingMax.Front]);
        if (best >= cap) return cap;
        for (var q = _queueHead; q < _queueHead + _queueCount; q++)
        {
            var id = _queue[q];
            var r = _predicted[id];
            if (r > best) best = r;
        }
        if (best >= cap) return cap;
        for (var g = 0; g < _bound.Length; g++)
            foreach (var id in _bound[g].Items)
                if (_predicted[id] > best) best = _predicted[id];
        if (best >= cap) return cap;
        for (var g = 0; g < Ranks; g++)
        {
            var predicted = ActivePredictedOutputs(g);
            var admitted = ActiveAdmitSteps(g);
            for (var k = 0; k < predicted.Length; k++)
            {
                var r = predicted[k] - (Step - admitted[k]);
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
        while (_queueCount < window && _pending.Count > 0)
            Enqueue(_pending.PopFront());
    }

    /// <summary>Live service: every pending request joins the queue (the pool is bounded by ingestion, not by a window).</summary>
    public void RevealAll()
    {
        while (_pending.Count > 0) Enqueue(_pending.PopFront());
    }

    /// <summary>Timed arrivals: move every pending request that has arrived by <paramref name="clock"/>.</summary>
    public void RevealArrivedBy(double clock)
    {
        while (_pending.Count > 0 && _arrival[_pending.Front] <= clock)
            Enqueue(_pending.PopFront());
    }

    /// <summary>The arrival time of the next pending request (+∞ when none is left).</summary>
    public double NextPendingArrival() =>
        _pending.Count > 0 ? _arrival[_pending.Front] : double.PositiveInfinity;

    /// <summary>
    /// Arrival binding: take the next pending request (arrival order) out of the pending list to be routed; it is
    /// waiting (<see cref="RequestPhase.Queued"/>) but in no queue until <see cref="Bind"/> puts it in its rank's.
    /// The caller decides whether it has arrived (the reveal rule of its arrival mode).
    /// </summary>
    public int RevealForRouting()
    {
        RequireArrivalBinding();
        var id = _pending.PopFront();
        if (_pendingMax.Count > 0 && _pendingMax.Front == id) _pendingMax.PopFront();
        _phase[id] = RequestPhase.Queued;
        _queuedStep[id] = Step;
        return id;
    }

    /// <summary>Arrival binding: the router chose <paramref name="rank"/> for a waiting request in no queue (just revealed,
    /// or restarted); it joins the back of that rank's queue.</summary>
    public void Bind(int requestId, int rank)
    {
        RequireArrivalBinding();
        if ((uint)requestId >= (uint)_slotCount) throw new ArgumentOutOfRangeException(nameof(requestId), requestId, "no such request");
        if ((uint)rank >= (uint)Ranks)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"no such rank (request {requestId}; ranks are 0..{Ranks - 1})");
        if (_phase[requestId] != RequestPhase.Queued || IsBoundWaiting(requestId))
            throw new InvalidOperationException($"request {requestId} is {_phase[requestId]}{(IsBoundWaiting(requestId) ? " and bound" : "")}; only a revealed, unbound request can be bound");
        _bound[rank].PushBack(requestId);
        _boundTo[requestId] = rank;
        _boundPrompt[rank] += _prompt[requestId];
        _boundTotal++;
    }

    // _boundTo keeps the last binding after admission (reports read it), so a request waits in a rank's queue
    // exactly when it is queued and bound; RestartRank clears the binding of the requests it requeues.
    private bool IsBoundWaiting(int requestId) => _phase[requestId] == RequestPhase.Queued && _boundTo[requestId] >= 0;

    /// <summary>
    /// Arrival binding, at a step boundary: every rank admits from the front of its own queue while it has a free
    /// slot (B − active). Ranks never take another rank's requests, however idle. Returns how many were admitted.
    /// </summary>
    public int AdmitFromBoundQueues()
    {
        RequireArrivalBinding();
        var admitted = 0;
        for (var g = 0; g < _bound.Length; g++)
        {
            var queue = _bound[g];
            while (queue.Count > 0 && _activeCount[g] < BatchSize)
            {
                var id = queue.PopFront();
                _boundPrompt[g] -= _prompt[id];
                _boundTotal--;
                Activate(id, g);
                admitted++;
            }
        }
        return admitted;
    }

    private void RequireArrivalBinding()
    {
        if (Binding != BindingMode.Arrival) throw new InvalidOperationException("rank queues exist only with arrival binding; this state pools its requests");
    }

    private void Enqueue(int id)
    {
        if (_pendingMax.Count > 0 && _pendingMax.Front == id) _pendingMax.PopFront();
        if (_queueHead + _queueCount == _queue.Length) MakeQueueRoom();
        var at = _queueHead + _queueCount++;
        _queue[at] = id;
        _queueIndex[id] = at;
        _phase[id] = RequestPhase.Queued;
        _queuedStep[id] = Step;
    }

    /// <summary>Admit a queued request to a rank with a free slot; L_g grows by s_i + gen_i.</summary>
    public void Admit(int requestId, int rank)
    {
        if ((uint)requestId >= (uint)_slotCount)
            throw new ArgumentOutOfRangeException(nameof(requestId), requestId, "no such request");
        if ((uint)rank >= (uint)Ranks)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, "no such rank");
        if (_phase[requestId] != RequestPhase.Queued)
            throw new InvalidOperationException($"request {requestId} is {_phase[requestId]}, not queued; only queued requests can be admitted");
        if (Binding == BindingMode.Arrival)
            throw new InvalidOperationException($"request {requestId}: with arrival binding a router returns a rank and the rank admits from its own queue; nothing admits directly");
        if (_activeCount[rank] >= BatchSize)
            throw new InvalidOperationException($"rank {rank} is full ({BatchSize} active); cannot admit request {requestId}");
        if (_queueIndex[requestId] > _lastAdmittedIndex) _lastAdmittedIndex = _queueIndex[requestId];
        Activate(requestId, rank);
    }

    /// <summary>A waiting request starts decoding on <paramref name="rank"/> (which has a free slot): L_g grows by its prompt.</summary>
    private void Activate(int requestId, int rank)
    {
        var count = _activeCount[rank];
        _admitStep[requestId] = Step;
        PutActive(rank * BatchSize + count, requestId);
        _slotOf[requestId] = count;
        _activeCount[rank] = count + 1;
        _activeTotal++;
        _load[rank] += _prompt[requestId];
        var finishStep = Step + _output[requestId];
        _nextFinishing[requestId] = _finishingHead.TryGetValue(finishStep, out var next) ? next : -1;
        _finishingHead[finishStep] = requestId;
        _rankOf[requestId] = rank;
        _phase[requestId] = RequestPhase.Active;
        if (double.IsNaN(_start[requestId])) _start[requestId] = Clock;
        LastAdmissionStep = Step;
        _admittedThisCall++;
        var admission = new Admission(Step, requestId, rank);
        _admissions?.Add(admission);
        _recentAdmissions.Add(admission);
    }

    /// <summary>Called before a policy runs.</summary>
    public void BeginPolicyCall() => _admittedThisCall = 0;

    /// <summary>Drop admitted requests from the queue, keeping the rest in order. Returns how many left it.</summary>
    public int CompactQueue()
    {
        if (_admittedThisCall == 0) return 0;
        // Survivors before the last admitted entry move right, in order, over the holes; the head follows them.
        var w = _lastAdmittedIndex;
        for (var r = _lastAdmittedIndex; r >= _queueHead; r--)
        {
            var id = _queue[r];
            if (_phase[id] != RequestPhase.Queued) continue;
            _queue[w] = id;
            _queueIndex[id] = w;
            w--;
        }
        var removed = w + 1 - _queueHead;
        _queueHead = w + 1;
        _queueCount -= removed;
        if (_queueCount == 0) _queueHead = 0;
        _admittedThisCall = 0;
        _lastAdmittedIndex = -1;
        return removed;
    }

    /// <summary>The queue reached the end of its array: move it to the front, or into an array twice as long.</summary>
    private void MakeQueueRoom()
    {
        var target = _queueCount < _queue.Length / 2 ? _queue : new int[_queue.Length * 2];
        Array.Copy(_queue, _queueHead, target, 0, _queueCount);
        if (_lastAdmittedIndex >= 0) _lastAdmittedIndex -= _queueHead;
        _queue = target;
        _queueHead = 0;
        for (var i = 0; i < _queueCount; i++) _queueIndex[_queue[i]] = i;
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
        if (!_finishingHead.Remove(Step, out var head)) return;
        var count = 0;
        for (var id = head; id >= 0; id = _nextFinishing[id]) count++;
        EnsureFinishBuffers(count);
        count = 0;
        for (var id = head; id >= 0; id = _nextFinishing[id]) _finishIds[count++] = id;
        CompleteInScanOrder(_finishIds.AsSpan(0, count), finished);
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
            if ((uint)id >= (uint)_slotCount || _phase[id] != RequestPhase.Active)
            {
                foreach (var marked in reportedFinished) _reportMark[marked] = false;
                throw new InvalidOperationException($"reported finished request {id} is not active");
            }
            if (_reportMark[id])
            {
                foreach (var marked in reportedFinished) _reportMark[marked] = false;
                throw new InvalidOperationException($"request {id} reported finished twice");
            }
            _reportMark[id] = true;
        }
        foreach (var id in reportedFinished) _reportMark[id] = false;
        GenerateTokens(duration);
        // The ranks' reports say what finished; this step's bucket is no longer needed either way.
        _finishingHead.Remove(Step);
        // A request reported before it was due leaves its later bucket too: a bucket then only ever holds active
        // requests, which RestartRank relies on when it unlinks one (and a reused slot cannot splice two buckets).
        foreach (var id in reportedFinished)
            if (_admitStep[id] + _output[id] > Step) UnlinkFromFinishing(id);
        EnsureFinishBuffers(reportedFinished.Length);
        reportedFinished.CopyTo(_finishIds);
        CompleteInScanOrder(_finishIds.AsSpan(0, reportedFinished.Length), finished);
    }

    /// <summary>
    /// Completes <paramref name="ids"/> in the order of a backward scan of each rank's active list, rank by rank:
    /// the order in which the reference removes finished requests, which (through swap-removal) decides the order
    /// each rank's active list is left in.
    /// </summary>
    private void CompleteInScanOrder(Span<int> ids, List<int> finished)
    {
        var n = ids.Length;
        for (var i = 0; i < n; i++)
        {
            var id = ids[i];
            _finishOrder[i] = ((long)_rankOf[id] << 32) | (uint)(int.MaxValue - _slotOf[id]);
        }
        _finishOrder.AsSpan(0, n).Sort(ids);
        foreach (var id in ids)
        {
            finished.Add(id);
            Complete(id);
        }
    }

    private void EnsureFinishBuffers(int count)
    {
        if (_finishIds.Length >= count) return;
        _finishIds = new int[Math.Max(count, 2 * _finishIds.Length)];
        _finishOrder = new long[_finishIds.Length];
    }

    private void GenerateTokens(double duration)
    {
        Clock += duration;
        Step++;
        // The requests admitted since the last step make their first token in this one.
        foreach (var a in CollectionsMarshal.AsSpan(_recentAdmissions)) _firstToken[a.RequestId] = Clock;
        _recentAdmissions.Clear();
        for (var g = 0; g < Ranks; g++) _load[g] += _activeCount[g];
    }

    /// <summary>
    /// Rank <paramref name="rank"/> was lost with its KV cache: every request active on it goes back to the waiting
    /// queue to start over from its prompt, its progress gone, and the rank is left empty (load 0). Appends the
    /// restarted slots to <paramref name="restarted"/> in arrival order. Between steps, or while a step runs before it
    /// is applied: the restarted requests make no token in that step, and the rank's report for it must say it
    /// stepped nothing. A restarted request keeps its serial, arrival, queued step and first admission time
    /// (<see cref="StartTime"/>: the wait to be first served); its first token is the first one after the restart,
    /// the first its user receives, since the earlier ones were lost with the rank.
    /// <para>With arrival binding they wait unbound, in no queue, until whoever drives the state routes each again
    /// (<see cref="Bind"/>); requests still waiting in the lost rank's own queue stay bound to it (the front end keeps
    /// them, and the replacement serves them).</para>
    /// </summary>
    public void RestartRank(int rank, List<int> restarted)
    {
        if ((uint)rank >= (uint)Ranks) throw new ArgumentOutOfRangeException(nameof(rank), rank, "no such rank");
        var count = _activeCount[rank];
        if (count == 0) return;
        // The requeued requests are merged into the queue, which must hold no admitted entries while they are.
        CompactQueue();
        EnsureFinishBuffers(count);
        var ids = _finishIds.AsSpan(0, count);
        var serials = _finishOrder.AsSpan(0, count);
        _active.AsSpan(rank * BatchSize, count).CopyTo(ids);
        for (var i = 0; i < count; i++) serials[i] = _serial[ids[i]];
        serials.Sort(ids);
        foreach (var id in ids)
        {
            UnlinkFromFinishing(id);
            _generated[id] = 0;
            _rankOf[id] = -1;
            _boundTo[id] = -1;
            _phase[id] = RequestPhase.Queued;
            _firstToken[id] = double.NaN;
        }
        // Admissions to this rank since the last step are of requests active on it: they make no first token now.
        var kept = 0;
        for (var i = 0; i < _recentAdmissions.Count; i++)
            if (_recentAdmissions[i].Rank != rank) _recentAdmissions[kept++] = _recentAdmissions[i];
        _recentAdmissions.RemoveRange(kept, _recentAdmissions.Count - kept);
        _load[rank] = 0;
        _activeCount[rank] = 0;
        _activeTotal -= count;
        _restartedCount += count;
        // With arrival binding they wait unbound for whoever drives the state to route them again (Bind).
        if (Binding == BindingMode.Pool) RequeueInArrivalOrder(ids);
        foreach (var id in ids) restarted.Add(id);
    }

    /// <summary>
    /// Merges <paramref name="ids"/> (queued, in serial order) into the queue by serial: the queue stays in arrival
    /// order, which policies rely on (the oldest, the longest waiting, at its head). Requests restarted are usually
    /// older than all that wait, so they go to the head.
    /// </summary>
    private void RequeueInArrivalOrder(ReadOnlySpan<int> ids)
    {
        var k = ids.Length;
        if (_queueHead < k)
        {
            // Room for k entries before the head: shift the queue right, into a larger array if it must.
            var target = _queueCount + k <= _queue.Length ? _queue : new int[Math.Max(2 * _queue.Length, _queueCount + k)];
            Array.Copy(_queue, _queueHead, target, k, _queueCount);
            _queue = target;
            _queueHead = k;
            for (var q = k; q < k + _queueCount; q++) _queueIndex[_queue[q]] = q;
        }
        // Merge front to back from k entries before the head: the write position never passes the read position,
        // and they meet once every restarted request is placed, so the rest of the queue stays where it is.
        var write = _queueHead - k;
        var read = _queueHead;
        var end = _queueHead + _queueCount;
        var next = 0;
        while (next < k)
        {
            var id = read < end && _serial[_queue[read]] < _serial[ids[next]] ? _queue[read++] : ids[next++];
            _queue[write] = id;
            _queueIndex[id] = write;
            write++;
        }
        _queueHead -= k;
        _queueCount += k;
    }

    /// <summary>Drops an active request from the bucket of the step it is due to finish at; a due step already past has
    /// no bucket (its bucket went with that step, whatever the ranks reported).</summary>
    private void UnlinkFromFinishing(int id)
    {
        var due = _admitStep[id] + _output[id];
        if (due <= Step) return;
        if (!_finishingHead.TryGetValue(due, out var head)) throw LostFromBucket(id, due);
        if (head == id)
        {
            var after = _nextFinishing[id];
            if (after < 0) _finishingHead.Remove(due);
            else _finishingHead[due] = after;
            return;
        }
        for (var previous = head; ;)
        {
            var current = _nextFinishing[previous];
            if (current < 0) throw LostFromBucket(id, due);
            if (current == id)
            {
                _nextFinishing[previous] = _nextFinishing[id];
                return;
            }
            previous = current;
        }
    }

    private static InvalidOperationException LostFromBucket(int id, int due) =>
        new($"request {id} is due to finish at step {due} but is not in that step's bucket; the finish buckets are corrupt");

    /// <summary>A request leaves its rank finished at the current clock.</summary>
    private void Complete(int requestId)
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
            PutActive(baseIndex + slot, moved);
            _slotOf[moved] = slot;
        }
        _activeCount[g] = last;
        _activeTotal--;
        var generated = Step - _admitStep[requestId];
        _generated[requestId] = generated;
        _load[g] -= _prompt[requestId] + generated;
        _phase[requestId] = RequestPhase.Finished;
        _finish[requestId] = Clock;
        _finishedCount++;
        var residual = _predicted[requestId] - generated;
        if (residual > _finishedResidualMax) _finishedResidualMax = residual;
    }
}
