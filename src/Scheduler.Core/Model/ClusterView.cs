namespace Scheduler.Core.Model;

/// <summary>
/// What a placement policy is given: the cluster state to read, and <see cref="Admit"/>, the one change a
/// policy decides. Stepping, completing, revealing and releasing belong to whoever drives the state (the
/// simulator, the runtime's balancer), so they are not reachable from here, and a policy that tried would not compile.
/// </summary>
/// <remarks>
/// A sealed wrapper rather than an interface that <see cref="ClusterState"/> implements: a policy cannot cast it
/// back to the mutable state, and the JIT inlines its forwarding calls in the policies' hot loops.
/// One instance per state (<see cref="ClusterState.View"/>), so a policy can tell whether it sees the same state again.
/// </remarks>
public sealed class ClusterView
{
    private readonly ClusterState _state;

    internal ClusterView(ClusterState state) => _state = state;

    public ClusterShape Shape => _state.Shape;
    public int Ranks => _state.Ranks;
    public int BatchSize => _state.BatchSize;

    /// <summary>Slots the state has room for before it grows (see <see cref="ClusterState.SlotCapacity"/>): request ids
    /// (slots) stay below it until then.</summary>
    public int SlotCapacity => _state.SlotCapacity;

    /// <summary>Simulated seconds since t=0.</summary>
    public double Clock => _state.Clock;

    /// <summary>Decode steps completed so far.</summary>
    public int Step => _state.Step;

    /// <summary>
    /// The waiting queue in order, as it stood when the policy was called. An entry admitted during the call
    /// stays in the span until the call returns (check <see cref="IsQueued"/>).
    /// </summary>
    public ReadOnlySpan<int> Queue => _state.Queue;
    public int QueueCount => _state.QueueCount;
    public bool IsQueued(int requestId) => _state.IsQueued(requestId);
    public RequestPhase PhaseOf(int requestId) => _state.PhaseOf(requestId);

    public long Load(int rank) => _state.Load(rank);
    public ReadOnlySpan<long> Loads => _state.Loads;
    public int ActiveCount(int rank) => _state.ActiveCount(rank);
    public ReadOnlySpan<int> ActiveCounts => _state.ActiveCounts;
    public int FreeSlots(int rank) => _state.FreeSlots(rank);
    public int TotalFreeSlots() => _state.TotalFreeSlots();
    public ReadOnlySpan<int> ActiveRequests(int rank) => _state.ActiveRequests(rank);

    /// <inheritdoc cref="ClusterState.ActivePromptTokens"/>
    public ReadOnlySpan<int> ActivePromptTokens(int rank) => _state.ActivePromptTokens(rank);

    /// <inheritdoc cref="ClusterState.ActiveAdmitSteps"/>
    public ReadOnlySpan<int> ActiveAdmitSteps(int rank) => _state.ActiveAdmitSteps(rank);

    /// <inheritdoc cref="ClusterState.ActivePredictedOutputs"/>
    public ReadOnlySpan<int> ActivePredictedOutputs(int rank) => _state.ActivePredictedOutputs(rank);

    /// <summary>Pool (a policy admits from one queue) or arrival binding (a router picks each request's rank).</summary>
    public BindingMode Binding => _state.Binding;

    /// <summary>Arrival binding: the requests waiting in <paramref name="rank"/>'s own FIFO queue, oldest binding first
    /// (the rank admits from its front). Empty in pool mode.</summary>
    public ReadOnlySpan<int> BoundQueue(int rank) => _state.BoundQueue(rank);

    /// <summary>Arrival binding: how many requests wait in <paramref name="rank"/>'s queue (0 in pool mode).</summary>
    public int BoundCount(int rank) => _state.BoundCount(rank);

    /// <summary>Arrival binding: Σ prompt tokens of the requests waiting in <paramref name="rank"/>'s queue (0 in pool mode).</summary>
    public long BoundPromptTokens(int rank) => _state.BoundPromptTokens(rank);

    /// <summary>Arrival binding: the rank the request was last bound to (it waits or runs there); −1 if never bound.</summary>
    public int BoundRankOf(int requestId) => _state.BoundRankOf(requestId);

    public int PromptTokens(int requestId) => _state.PromptTokens(requestId);

    /// <summary>Tokens the request has generated: one per step since its admission while active; its output once finished.</summary>
    public int Generated(int requestId) => _state.Generated(requestId);
    public int PredictedOutput(int requestId) => _state.PredictedOutput(requestId);
    public double ArrivalSeconds(int requestId) => _state.ArrivalSeconds(requestId);
    public int RankOf(int requestId) => _state.RankOf(requestId);

    /// <summary>The request's place in the order of arrival (never reused, unlike its slot).</summary>
    public long Serial(int requestId) => _state.Serial(requestId);

    /// <summary>The step at which the request joined the waiting queue (−1 while pending).</summary>
    public int QueuedStep(int requestId) => _state.QueuedStep(requestId);

    /// <summary>The true output length of a finished request (an online predictor learns from it); an error before.</summary>
    public int FinishedOutputTokens(int requestId) => _state.FinishedOutputTokens(requestId);

    /// <inheritdoc cref="ClusterState.MaxPredictedRemaining"/>
    public int MaxPredictedRemaining(int cap = int.MaxValue) => _state.MaxPredictedRemaining(cap);

    /// <summary>Every admission so far, in order (empty unless the state records admissions).</summary>
    public IReadOnlyList<Admission> Admissions => _state.Admissions;

    /// <summary>The admissions since the last step (this call's included).</summary>
    public ReadOnlySpan<Admission> RecentAdmissions => _state.RecentAdmissions;

    /// <summary>The policy's decision: a queued request enters a rank with a free slot (L_g grows by its prompt at once).</summary>
    public void Admit(int requestId, int rank) => _state.Admit(requestId, rank);
}
