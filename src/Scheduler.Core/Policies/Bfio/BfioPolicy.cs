using Scheduler.Core.Model;
using Scheduler.Core.Policies.Routing;
using Scheduler.Core.Simulation;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// BF-IO as the paper states it: at every step choose which waiting requests enter which free slots to
/// minimise Σ_{h=0..H} w_h · Imb(k+h) over a drift-aware projection (running requests grow by a token per
/// step and leave when the predictor expects), solved by <see cref="GreedyExchangeSolver"/>.
/// Work-conserving: it admits min(|queue|, Σ free) requests every call. Starvation is bounded: a request
/// queued <see cref="BfioSettings.MaxWaitSteps"/> steps must be admitted at the next call, oldest first.
/// </summary>
public sealed class BfioPolicy : IPlacementPolicy
{
    private readonly BfioSettings _settings;
    private readonly IOutputPredictor _predictor;
    private readonly PlacementProblem _problem = new();
    private readonly GreedyExchangeSolver _solver = new();
    // Places the few waiting requests when nothing but where is left to choose (BfioSettings.RouteFew); shares the
    // predictor, whose admissions and releases it sees through this policy.
    private BfioRouter? _router;
    private int[] _routeOrder = [];
    private int[] _candidates = [];
    private int[] _rankOf = [];
    private double[] _projection = [];
    private double[] _envelope = [];
    private double[] _weights = [];
    private double[] _profileScratch = [];
    private double[] _candidateProfiles = [];   // [i·planned + k]
    private double[] _keys = [];                // Σ_k w_k a_i(k): weighted projected load per candidate
    private double[] _sortedKeys = [];
    private bool[] _keptFlag = [];
    private int[] _order = [];
    private int[] _sampled = [];          // the horizon offsets h planned on
    private double[] _sampledWeights = [];
    private int[] _reservedId = [];
    private int[] _reservedRank = [];
    private bool[] _reservedHeld = [];
    private int _reservedCount;
    private int _releasedId = -1;
    private int _releasedRank = -1;
    private int _ranks;
    private int _planned;
    private double _lifeWeight; // γ on every planned row ahead (BfioSettings.LifeRows), 0 without
    // Turnover τ by Little's law: requests active ÷ admissions per step, counted over the policy's own calls.
    private long _admittedTotal;
    private int _firstStep = -1;
    private int _maxWait;
    private int _agingSteps;


    public BfioPolicy(BfioSettings settings, IOutputPredictor predictor, string? name = null)
        : this(settings, predictor, name, warmUp: true)
    {
    }

    private BfioPolicy(BfioSettings settings, IOutputPredictor predictor, string? name, bool warmUp)
    {
        settings.Validate();
        _settings = settings;
        _predictor = predictor;
        _horizon = settings.Horizon;
        _decay = settings.Decay;
        Name = name ?? "bfio";
        if (warmUp) WarmUp(settings, predictor);
    }

    /// <summary>
    /// Runs a twin (same settings, a fresh predictor, so nothing is learned from made-up requests) through a
    /// small synthetic run that reaches every code path of a decision: the fill, light-first selection with
    /// a long queue, aging, a held rank for an oversize prompt, exchanges, the exact finish and the drain.
    /// Methods are compiled once per process; without this the first real decisions pay for it (several ms,
    /// far above a decision's own cost), as a server's first requests would.
    /// </summary>
    private static void WarmUp(BfioSettings settings, IOutputPredictor predictor)
    {
        // 4 ranks of 8 slots and 4·G = 16 candidates shown at a time: 128 requests are 4 full turnovers of the cluster,
        // enough for light-first selection (a queue longer than the free slots) and the drain.
        var shape = new ClusterShape(4, 8);
        var requests = new Request[4 * shape.Ranks * shape.BatchSize];
        for (var i = 0; i < requests.Length; i++)
        {
            // Prompts of 11 sizes (100 … 1,070) and outputs of 13 lengths (2 … 14) that do not repeat in step, so
            // ranks drift apart and exchanges pay; one 20,000-token prompt, oversize against any rank, gets a held rank.
            // It is shown at the second call, when the first call's 16 admissions left 16 slots for the 16 shown: a
            // hold is taken only when no more wait than there are free slots.
            var prompt = i == 20 ? 20000 : 100 + 97 * (i % 11);
            var output = 2 + i % 13;
            requests[i] = new Request(i, prompt, output, output);
        }
        // Bounds of a few steps (in steps, not turnovers), so aging and the overdue admission happen within the run.
        var twinSettings = settings with
        {
            AgingSteps = Math.Min(settings.AgingSteps, 2),
            MaxWaitSteps = Math.Min(settings.MaxWaitSteps, 6),
            MaxWaitTurnovers = 0,
        };
        Simulator.Run(new Workload(requests, "warm-up"), new BfioPolicy(twinSettings, predictor.Fresh(), null, warmUp: false),
            new SimulationOptions(shape) { RecordSteps = false });
        // The run above leaves at most a window's worth of slots free after each call; a cluster of 2 ranks of 16 slots
        // shown 8 at a time leaves more, which asks the predictor for the mean life (RefilledNextStep).
        Simulator.Run(new Workload(requests[..32], "warm-up"), new BfioPolicy(twinSettings, predictor.Fresh(), null, warmUp: false),
            new SimulationOptions(new ClusterShape(2, 16)) { RecordSteps = false });
        // The twin's calls show at most 16 candidates, which .NET sorts by insertion alone; a real call's hundreds take the
        // sort's partitioning, compiled at its first use (about 2 ms at G = 128's first call, when it ran there).
        GreedyExchangeSolver.CompileValueOrder();
    }

    public string Name { get; }
    public BfioSettings Settings => _settings;
    public IOutputPredictor Predictor => _predictor;

    /// <summary>
    /// Called after every solve with the call's problem and the objective of the chosen placement (for
    /// measuring the solver, e.g. its gap to a bound). The problem is reused by the next call: copy what you keep.
    /// </summary>
    public Action<PlacementProblem, double>? Solved { get; set; }

    /// <summary>Ranks held for an oversize request after the last call (one entry per held request).</summary>
    public ReadOnlySpan<int> HeldRanks => _reservedRank.AsSpan(0, _reservedCount);

    /// <summary>A request's age counts from the step it joined the queue (<see cref="ClusterView.QueuedStep"/>),
    /// so the policy keeps nothing per request but its reservations and what the predictor learns.</summary>
    public void OnReleased(ClusterView state, int slot)
    {
        _predictor.OnReleased(state, slot);
        for (var r = _reservedCount - 1; r >= 0; r--)
        {
            if (_reservedId[r] != slot) continue;
            _reservedCount--;
            _reservedId[r] = _reservedId[_reservedCount];
            _reservedRank[r] = _reservedRank[_reservedCount];
            _reservedHeld[r] = _reservedHeld[_reservedCount];
        }
        if (_releasedId == slot) _releasedId = -1;
    }

    /// <summary>The last call's problem (for tests and diagnostics).</summary>
    internal PlacementProblem LastProblem => _problem;

    /// <summary>
    /// One decision: project every rank over the horizon, release or hold ranks for oversize requests, pick this
    /// call's candidates, state the placement problem, solve it and admit what the solver placed.
    /// </summary>
    public void Place(ClusterView state)
    {
        var queue = state.Queue;
        if (queue.Length == 0) return;
        _predictor.BeginCall(state);

        var totalFree = state.TotalFreeSlots();
        if (totalFree == 0) return;
        UpdateWaitBounds(state);
        if (_settings.RouteFew && _predictor.LooksAhead && _reservedCount == 0
            && queue.Length <= state.Ranks && queue.Length <= totalFree)
        {
            RouteEach(state, queue);
            return;
        }
        _ranks = state.Ranks;
        var rows = _predictor.LooksAhead ? PlannedHorizon(state, queue, totalFree) + 1 : 1;
        EnsureBuffers(_ranks, rows, queue.Length);

        var planned = ProjectRanks(state, rows);
        UpdateReservations(state, queue, rows, totalFree);
        if (AdmitReleased(state, rows, planned)) totalFree--;
        totalFree -= HeldSlots(state);

        var count = CollectCandidates(state, queue, totalFree);
        var admit = Math.Min(count, totalFree);
        ProjectCandidates(state, count, rows, planned);
        count = SelectLightest(state, count, admit, planned);
        StateProblem(state, count, admit, rows, planned);

        _solver.MaxSweeps = _settings.ExchangeSweeps;
        _solver.MaxEvaluations = _settings.ExchangeBudgetFor(_ranks);
        var objective = _solver.Solve(_problem, _rankOf.AsSpan(0, count));
        Solved?.Invoke(_problem, objective);
        AdmitPlaced(state, count);
    }

    /// <summary>
    /// The steps ahead planned on, and the decay of their weights: with <see cref="BfioSettings.LifeRows"/>, once generated
    /// tokens make most of the load ahead, the horizon H and as far as the longest life the predictor names among this
    /// call's candidates (rounded up to a doubling, at most <see cref="BfioSettings.MaxLifeSteps"/>): past it no candidate
    /// holds load, so every placement leaves those rows alike and they change no decision. Otherwise the horizon and decay
    /// paced by the departures ahead (<see cref="Pace"/>).
    /// </summary>
    private int PlannedHorizon(ClusterView state, ReadOnlySpan<int> queue, int totalFree)
    {
        var shown = queue[..Math.Min(queue.Length, CandidateLimit(totalFree))];
        _horizon = _settings.Horizon;
        _decay = _settings.Decay;
        _lifeWeight = 0.0;
        // One pass over the running requests' lengths, read only by life rows and pacing.
        var ahead = _settings.LifeRows || _settings.Pace ? _predictor.Ahead(state, shown, totalFree) : LoadAhead.Unknown;
        if (_settings.LifeRows && ahead.GeneratedShare >= BfioSettings.LifeRowsFromGeneratedShare)
        {
            // A predictor that names no length per request (0) plans on its horizon with the paper's weights alone.
            var life = _predictor.LongestLife(state, shown, BfioSettings.MaxLifeSteps);
            if (life > 0)
            {
                _lifeWeight = GeneratedShare(state);
                if (life <= _horizon) return _horizon;
                return Math.Min(BfioSettings.MaxLifeSteps, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)life));
            }
        }
        // H = 0 asks for the loads right after admission alone: nothing ahead to pace.
        if (_settings.Pace && _settings.Horizon > 0) Pace(ahead.DeparturesPerStep / state.Ranks);
        return _horizon;
    }

    // This call's horizon and decay: the settings', or paced (PlannedHorizon).
    private int _horizon;
    private double _decay;

    /// <summary>
    /// With p departures per rank per step ahead, row h weighs e^(−p·h) relative to row 0 (decay e^(−p)) and the rows
    /// reach the doubling at or past <see cref="BfioSettings.PaceReach"/>/p, past which the weights left sum to under
    /// e^(−reach) of the whole; never less far or faster decaying than the settings' H and decay. See
    /// <see cref="BfioSettings.Pace"/>.
    /// </summary>
    private void Pace(double p)
    {
        if (!(p > 0)) return;
        _decay = Math.Max(_decay, Math.Exp(-p));
        var reach = Math.Min(BfioSettings.MaxLifeSteps, Math.Ceiling(BfioSettings.PaceReach / p));
        _horizon = Math.Max(_horizon, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)reach));
    }

    /// <summary>γ: the share of the running load made of generated tokens, Σ gen ÷ Σ (prompt + gen) (0 on an empty cluster).</summary>
    private static double GeneratedShare(ClusterView state)
    {
        var prompts = 0L;
        var load = 0L;
        for (var g = 0; g < state.Ranks; g++)
        {
            load += state.Load(g);
            foreach (var p in state.ActivePromptTokens(g)) prompts += p;
        }
        return load > 0 ? 1.0 - (double)prompts / load : 0.0;
    }

    /// <summary>
    /// The row weights (w_0, then Decay^(h−1) up to H, plus γ on every planned row ahead with life rows), the rows planned
    /// on, and every rank's projected load and the envelope (the largest load) on those rows. Returns how many rows are
    /// planned.
    /// </summary>
    private int ProjectRanks(ClusterView state, int rows)
    {
        var weights = _weights.AsSpan(0, rows);
        weights[0] = rows == 1 ? 1.0 : _settings.NowWeight;
        var w = 1.0;
        // The paper's decayed rows end at H; life rows past it weigh γ alone (SampleRowsInto).
        var decayed = DecayedRows(rows);
        for (var h = 1; h < decayed; h++) { weights[h] = w; w *= _decay; }
        // Only the planned rows of the projection and envelope are filled and read.
        var planned = SampleRows(rows, weights);
        var plannedRows = _sampled.AsSpan(0, planned);
        var projection = _projection.AsSpan(0, _ranks * rows);
        for (var g = 0; g < _ranks; g++) _predictor.ProjectRankRows(state, g, plannedRows, projection.Slice(g * rows, rows));
        var envelope = _envelope.AsSpan(0, rows);
        envelope.Fill(double.NegativeInfinity);
        for (var g = 0; g < _ranks; g++) RaiseEnvelope(g, rows, plannedRows);
        return planned;
    }

    private void RaiseEnvelope(int g, int rows, ReadOnlySpan<int> plannedRows)
    {
        foreach (var h in plannedRows)
            if (_projection[g * rows + h] > _envelope[h]) _envelope[h] = _projection[g * rows + h];
    }

    /// <summary>A request released from its held rank goes there before anything else is placed; true if it did.</summary>
    private bool AdmitReleased(ClusterView state, int rows, int planned)
    {
        if (_releasedId < 0 || state.FreeSlots(_releasedRank) == 0) return false;
        var g = _releasedRank;
        CountLife(state, _releasedId);
        state.Admit(_releasedId, g);
        _predictor.OnAdmitted(state, _releasedId);
        _admittedTotal++;
        _releasedId = -1;
        var plannedRows = _sampled.AsSpan(0, planned);
        _predictor.ProjectRankRows(state, g, plannedRows, _projection.AsSpan(g * rows, rows));
        RaiseEnvelope(g, rows, plannedRows);
        return true;
    }

    /// <summary>Free slots kept for held requests: a held rank keeps one slot free for its request.</summary>
    private int HeldSlots(ClusterView state)
    {
        var held = 0;
        for (var r = 0; r < _reservedCount; r++)
            if (state.FreeSlots(_reservedRank[r]) > 0) held++;
        return held;
    }

    /// <summary>How many candidates a call shows at most: the window (4G by default), or Σ free slots if more.</summary>
    private int CandidateLimit(int totalFree) => Math.Max(_settings.Window > 0 ? _settings.Window : 4 * _ranks, totalFree);

    /// <summary>This call's candidates into <see cref="_candidates"/>: the queue head (G requests, at least Σ free slots, and
    /// up to the window those that arrived at the same moment as the last of them), held requests aside.</summary>
    private int CollectCandidates(ClusterView state, ReadOnlySpan<int> queue, int totalFree)
    {
        var count = 0;
        var limit = CandidateLimit(totalFree);
        // Past the first G (or Σ free) only requests that arrived with the last of them: see BfioSettings.Window.
        var head = Math.Min(limit, Math.Max(_ranks, totalFree));
        var lastArrival = double.NegativeInfinity;
        for (var q = 0; q < queue.Length && count < limit; q++)
        {
            var id = queue[q];
            if (IsHeld(id) || !state.IsQueued(id)) continue;
            if (count >= head && state.ArrivalSeconds(id) > lastArrival) break;
            _candidates[count++] = id;
            lastArrival = state.ArrivalSeconds(id);
        }
        return count;
    }

    /// <summary>
    /// The placement problem of this call: each rank's projected loads on the planned rows and its free slots (a held
    /// rank looks full up to the envelope, one slot fewer), each candidate's profile, the overdue ones mandatory, and
    /// each candidate's bonus (the mass discount, and the aging bonus past its grace).
    /// </summary>
    private void StateProblem(ClusterView state, int count, int admit, int rows, int planned)
    {
        var projection = _projection.AsSpan(0, _ranks * rows);
        var refill = _settings.Refill && planned > 1;
        _problem.Reset(_ranks, planned, count, refill);
        if (refill) StateRefill(rows, planned, count, admit);
        _sampledWeights.AsSpan(0, planned).CopyTo(_problem.Weights);
        for (var g = 0; g < _ranks; g++)
        {
            var column = _problem.BaseColumn(g);
            var full = projection.Slice(g * rows, rows);
            // A rank held for a large request looks full, so it only takes the smallest requests
            // while its older requests leave, until the large one fits.
            var held = HeldRank(g);
            for (var k = 0; k < planned; k++)
            {
                var h = _sampled[k];
                column[k] = held ? Math.Max(full[h], _envelope[h]) : full[h];
            }
            _problem.Free(g) = held ? Math.Max(0, state.FreeSlots(g) - 1) : state.FreeSlots(g);
        }
        var mandatory = 0;
        for (var i = 0; i < count; i++)
        {
            var id = _candidates[i];
            _candidateProfiles.AsSpan(i * planned, planned).CopyTo(_problem.Profile(i));
            // Queue order is arrival order, so the overdue ones are the oldest at the head.
            var age = state.Step - state.QueuedStep(id);
            if (mandatory < admit && (age >= _maxWait || _releasedId == id))
            {
                _problem.Mandatory(i) = true;
                mandatory++;
            }
        }
        _problem.AdmitCount = admit;
        _problem.RefilledNextStep = RefilledNextStep(state, admit);
        _problem.Seal();
        var massDiscount = 1.0 - _settings.MassWeight;
        for (var i = 0; i < count; i++)
        {
            var bonus = -massDiscount * _problem.Reward(i);
            var age = state.Step - state.QueuedStep(_candidates[i]);
            if (_agingSteps > 0 && age > _agingSteps)
            {
                var ramp = Math.Min(1.0, (double)(age - _agingSteps) / _agingSteps);
                bonus += (_ranks - 1) * ramp * _problem.Reward(i);
            }
            _problem.Bonus(i) = bonus;
        }
    }

    /// <summary>
    /// The refill level of each planned row ahead (<see cref="BfioSettings.Refill"/>): the projection holds only the
    /// requests running now, so a row's total falls as they leave, while the requests still to come keep it where this
    /// call leaves it: row 0 with this call's admissions, counted as <paramref name="admit"/> average candidates (the
    /// solver has not chosen them yet). The missing mass goes to the lowest ranks first, as every later call sends it,
    /// and stands at a water level (<see cref="WaterFill"/>). Row 1 has none: it is read after this step's departures and
    /// before the next call admits anything (the moment the paper records), so nothing refills it. A row whose total
    /// does not fall has none either (0: below every load).
    /// </summary>
    private void StateRefill(int rows, int planned, int count, int admit)
    {
        var level = _problem.RefillColumn;
        var now = 0.0;
        for (var g = 0; g < _ranks; g++) now += _projection[g * rows];
        if (count > 0)
        {
            var offered = 0.0;
            for (var i = 0; i < count; i++) offered += _candidateProfiles[i * planned];
            now += offered * admit / count;
        }
        level[0] = 0.0;
        for (var k = 1; k < planned; k++)
        {
            var h = _sampled[k];
            if (h == 1)
            {
                level[k] = 0.0;
                continue;
            }
            var total = 0.0;
            for (var g = 0; g < _ranks; g++) total += _projection[g * rows + h];
            var missing = now - total;
            level[k] = missing > 0 ? WaterFill.Level(_projection.AsSpan(0, _ranks * rows), h, rows, _ranks, missing) : 0.0;
        }
    }

    /// <summary>Admits every candidate the solver placed, in candidate (queue) order.</summary>
    private void AdmitPlaced(ClusterView state, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var g = _rankOf[i];
            if (g >= 0) Admit(state, _candidates[i], g);
        }
        _releasedId = -1;
    }

    /// <summary>Admits one request, tells the predictor and counts it for the turnover.</summary>
    private void Admit(ClusterView state, int id, int rank)
    {
        CountLife(state, id);
        state.Admit(id, rank);
        _predictor.OnAdmitted(state, id);
        _admittedTotal++;
    }

    // The lives (predicted outputs, in steps) of the requests admitted so far whose length the predictor names, summed, and
    // how many: their mean is the mean life of a request by the arrivals, which Little's law turns into a full cluster's
    // departures per step (RefilledNextStep).
    private double _admittedLives;
    private long _admittedNamed;

    private void CountLife(ClusterView state, int id)
    {
        if (!_predictor.PlansWholeLives) return;
        var life = NamedLife(state, id);
        if (life == 0) return;
        _admittedLives += life;
        _admittedNamed++;
    }

    /// <summary>The life the predictor names for request <paramref name="id"/>, in steps (at least 1), or 0 where it names none.</summary>
    private int NamedLife(ClusterView state, int id)
    {
        var life = _predictor.PredictedRemaining(state, id);
        return life == IOutputPredictor.Unknown ? 0 : Math.Max(1, life);
    }

    /// <summary>Requests placed by the arrival router so far (diagnostics).</summary>
    internal long RoutedRequests { get; private set; }

    /// <summary>For tests: the router rebuilds the rank of each routed request at the next one, as if it had not been
    /// told of the admission (see <see cref="BfioRouter.Admitted"/>).</summary>
    internal bool RebuildRoutedRanks { get; set; }

    /// <summary>
    /// The few waiting requests (<see cref="BfioSettings.RouteFew"/>) placed one by one, the largest prompt first, as a
    /// packer places them: the big ones choose while every rank is open to them, the small ones fill in around them.
    /// Each goes where BF-IO's arrival router finds it adds the least imbalance over its life, and is admitted at once,
    /// so the next is judged with it in place.
    /// </summary>
    private void RouteEach(ClusterView state, ReadOnlySpan<int> queue)
    {
        _router ??= new BfioRouter(_predictor);
        // Every request fits now, so the router's rows start now, however long ago it last routed.
        _router.StartRowsNow();
        if (_routeOrder.Length < queue.Length) _routeOrder = new int[Math.Max(queue.Length, 2 * _routeOrder.Length)];
        var order = _routeOrder.AsSpan(0, queue.Length);
        queue.CopyTo(order);
        // Insertion sort, stable: equal prompts keep their arrival order (at most G of them).
        for (var i = 1; i < order.Length; i++)
        {
            var id = order[i];
            var prompt = state.PromptTokens(id);
            var j = i - 1;
            for (; j >= 0 && state.PromptTokens(order[j]) < prompt; j--) order[j + 1] = order[j];
            order[j + 1] = id;
        }
        foreach (var id in order)
        {
            var rank = _router.Route(state, id);
            Admit(state, id, rank);
            if (!RebuildRoutedRanks) _router.Admitted(state, rank);
            RoutedRequests++;
        }
        _releasedId = -1;
    }

    /// <summary>
    /// The wait bounds of this call. A wait is long or short only against how fast slots turn over: 128 steps are
    /// two mean lifetimes of a burst request but half of a long-context one, and forcing a 100k-token prompt in before
    /// any rank has drained room for it lifts one rank far above the rest. So the hard bound is the larger of
    /// <see cref="BfioSettings.MaxWaitSteps"/> and <see cref="BfioSettings.MaxWaitTurnovers"/> turnovers, τ being the
    /// mean lifetime of a request by Little's law (requests active ÷ admissions per step, over this policy's calls);
    /// the aging grace keeps its ratio to the bound. Predictor-free: it counts, it reads no lengths.
    /// </summary>
    private void UpdateWaitBounds(ClusterView state)
    {
        if (_firstStep < 0) _firstStep = state.Step;
        _maxWait = _settings.MaxWaitSteps;
        var steps = state.Step - _firstStep;
        if (_settings.MaxWaitTurnovers > 0 && steps > 0 && _admittedTotal > 0)
        {
            var active = 0L;
            foreach (var n in state.ActiveCounts) active += n;
            var turnover = active * (double)steps / _admittedTotal;
            _maxWait = (int)Math.Min(int.MaxValue / 2, Math.Max(_settings.MaxWaitSteps, Math.Ceiling(_settings.MaxWaitTurnovers * turnover)));
        }
        _agingSteps = _settings.AgingSteps == 0 ? 0
            : (int)Math.Max(1, Math.Round((double)_settings.AgingSteps * _maxWait / _settings.MaxWaitSteps));
    }

    /// <summary>
    /// Whether the slots this call leaves free are filled at the next call. The queue shows at most the reveal window; full
    /// to it, more requests may have arrived behind it (a backlog). Short of it, the queue shows all that has arrived, and
    /// the slots left free stay free until more arrive. Full to it, the next call shows one window again: it refills
    /// whatever this call leaves free when that is at most a window, and a cluster filling from empty fills in a few calls
    /// (a window each, few leaving). But where a full cluster would lose more requests per step than a window holds (its
    /// slots over the mean life of a request, by Little's law: big batches of short outputs), the calls never catch up, the
    /// cluster runs below full and the slots left free stay free, as under timed arrivals: the step being decided is then
    /// set by where the few admitted now go. The mean life is that of every request admitted so far and those shown now, as
    /// a predictor that plans whole lives names them (the oracle; with the others the rule is as it was).
    /// </summary>
    private bool RefilledNextStep(ClusterView state, int admit)
    {
        var window = state.Shape.RevealWindow;
        var queue = state.Queue;
        if (queue.Length < window) return false;
        // A predictor that plans no whole lives (the online predictor's distributions, the noisy one's blurred lengths)
        // has no mean life to tell.
        if (!_predictor.PlansWholeLives) return true;
        var leftFree = -admit;
        for (var g = 0; g < _ranks; g++) leftFree += _problem.Free(g);
        if (leftFree <= window) return true;
        var lives = _admittedLives;
        var named = _admittedNamed;
        foreach (var id in queue[..window])
        {
            var life = NamedLife(state, id);
            if (life == 0) continue;
            lives += life;
            named++;
        }
        if (named == 0) return true;
        var slots = (double)state.Ranks * state.Shape.BatchSize;
        return slots * named / lives <= window;
    }

    /// <summary>Each candidate's load profile on the planned rows into <see cref="_candidateProfiles"/>, and its weighted sum.</summary>
    private void ProjectCandidates(ClusterView state, int count, int rows, int planned)
    {
        if (_candidateProfiles.Length < count * planned) _candidateProfiles = new double[Math.Max(count * planned, 2 * _candidateProfiles.Length)];
        if (_keys.Length < count)
        {
            _keys = new double[_candidates.Length];
            _order = new int[_candidates.Length];
            _sortedKeys = new double[_candidates.Length];
            _keptFlag = new bool[_candidates.Length];
        }
        var plannedRows = _sampled.AsSpan(0, planned);
        for (var i = 0; i < count; i++)
        {
            var target = _candidateProfiles.AsSpan(i * planned, planned);
            _predictor.ProjectCandidate(state, _candidates[i], plannedRows, target);
            var key = 0.0;
            for (var k = 0; k < planned; k++) key += _sampledWeights[k] * target[k];
            _keys[i] = key;
        }
    }

    /// <summary>
    /// Light-first selection: of the candidates beyond the admit count, only the lightest share
    /// <see cref="BfioSettings.SelectSlack"/> (by weighted projected load) stay in this call's problem,
    /// plus every one past its aging grace; the rest wait. Keeps queue order. Returns the new count.
    /// </summary>
    private int SelectLightest(ClusterView state, int count, int admit, int planned)
    {
        var slack = _settings.SelectSlack;
        if (slack < 0 || count <= admit) return count;
        var keep = admit + (int)Math.Ceiling(slack * (count - admit));
        if (count <= keep) return count;
        var aged = 0;
        for (var i = 0; i < count; i++)
        {
            _order[i] = i;
            _sortedKeys[i] = IsAged(state, _candidates[i]) ? double.NegativeInfinity : _keys[i];
            if (double.IsNegativeInfinity(_sortedKeys[i])) aged++;
        }
        keep = Math.Max(keep, Math.Min(count, aged + admit));
        if (count <= keep) return count;
        // The keep lightest (ties to the older) to the front of _order, then compacted in queue order.
        // Quickselect inline (compiled with this method on the first call, not at the first filtering
        // call mid-run): a strict order by (key, index), so the choice is deterministic.
        var order = _order.AsSpan(0, count);
        var lo = 0;
        var hi = count - 1;
        var nth = keep - 1;
        while (lo < hi)
        {
            var pivot = order[(lo + hi) >> 1];
            int a = lo, b = hi;
            while (a <= b)
            {
                while (Lighter(order[a], pivot)) a++;
                while (Lighter(pivot, order[b])) b--;
                if (a <= b)
                {
                    (order[a], order[b]) = (order[b], order[a]);
                    a++;
                    b--;
                }
            }
            if (nth <= b) hi = b;
            else if (nth >= a) lo = a;
            else break;
        }
        var keptFlag = _keptFlag.AsSpan(0, count);
        keptFlag.Clear();
        for (var k = 0; k < keep; k++) keptFlag[_order[k]] = true;
        var next = 0;
        for (var i = 0; i < count; i++)
        {
            if (!keptFlag[i]) continue;
            if (i != next)
            {
                _candidates[next] = _candidates[i];
                _keys[next] = _keys[i];
                _candidateProfiles.AsSpan(i * planned, planned).CopyTo(_candidateProfiles.AsSpan(next * planned, planned));
            }
            next++;
        }
        return keep;
    }

    // Inlined: quickselect calls it a few times per candidate.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private bool Lighter(int x, int y) => _sortedKeys[x] < _sortedKeys[y] || (_sortedKeys[x] == _sortedKeys[y] && x < y);

    /// <summary>Exempt from light-first selection: earning the aging bonus, overdue, or released from a reservation.</summary>
    private bool IsAged(ClusterView state, int id)
    {
        var age = state.Step - state.QueuedStep(id);
        return _releasedId == id || age >= _maxWait || (_agingSteps > 0 && age > _agingSteps);
    }

    /// <summary>
    /// Chooses the rows to plan on (all, or h = 0, 1, 2, 4, …, H) into <see cref="_sampled"/> with the summed
    /// weights of the rows each stands for into <see cref="_sampledWeights"/>; returns how many.
    /// </summary>
    private int SampleRows(int rows, ReadOnlySpan<double> weights)
    {
        _planned = SampleRowsInto(rows, weights);
        return _planned;
    }

    private int SampleRowsInto(int rows, ReadOnlySpan<double> weights)
    {
        var planned = 0;
        for (var h = 0; h < rows; h = NextRow(h, rows))
        {
            _sampled[planned] = h;
            _sampledWeights[planned] = 0.0;
            planned++;
        }
        var decayed = DecayedRows(rows);
        for (var k = 0; k < planned; k++)
        {
            var end = Math.Min(decayed, k + 1 < planned ? _sampled[k + 1] : rows);
            for (var h = _sampled[k]; h < end; h++) _sampledWeights[k] += weights[h];
            if (k > 0) _sampledWeights[k] += _lifeWeight;
        }
        return planned;
    }

    /// <summary>Rows 0..H carry the paper's decayed weights; life rows past H carry γ alone.</summary>
    private int DecayedRows(int rows) => Math.Min(rows, _horizon + 1);

    private int NextRow(int h, int rows)
    {
        if (!_settings.SampleRows || h < 2) return h + 1;
        // Doubling, but always keep the last row H: the furthest lookahead is the one that sees departures.
        return h == rows - 1 ? rows : Math.Min(2 * h, rows - 1);
    }

    private void EnsureBuffers(int ranks, int rows, int queueLength)
    {
        if (_projection.Length < ranks * rows) _projection = new double[ranks * rows];
        if (_envelope.Length < rows)
        {
            _envelope = new double[rows];
            _weights = new double[rows];
            _profileScratch = new double[rows];
            _sampled = new int[rows];
            _sampledWeights = new double[rows];
        }
        if (_candidates.Length < queueLength)
        {
            _candidates = new int[Math.Max(queueLength, 2 * _candidates.Length)];
            _rankOf = new int[_candidates.Length];
        }
        var maxReservations = Math.Max(1, ranks / 8);
        if (_reservedId.Length < maxReservations)
        {
            _reservedId = new int[maxReservations];
            _reservedRank = new int[maxReservations];
            _reservedHeld = new bool[maxReservations];
        }
    }

    private bool IsHeld(int id)
    {
        for (var r = 0; r < _reservedCount; r++) if (_reservedHeld[r] && _reservedId[r] == id) return true;
        return false;
    }

    private bool HeldRank(int g)
    {
        for (var r = 0; r < _reservedCount; r++) if (_reservedHeld[r] && _reservedRank[r] == g) return true;
        return false;
    }

    /// <summary>
    /// An oversize request (one that would stand far above every rank, <see cref="BfioSettings.OversizeShare"/>)
    /// admitted at once lifts one rank high above the rest, and G−1 ranks then idle at every barrier until
    /// they catch up. Instead, once such a request has waited <see cref="BfioSettings.ReserveAfterSteps"/>,
    /// hold the rank closest to fitting it: the rank keeps a slot free and looks full to the solver, so it
    /// takes only what nowhere else can while the others climb and its own requests leave; one rank below
    /// the envelope instead of G−1 above it. The request is released into that rank as soon as it fits there
    /// (or is overdue, or nothing else is queued: then holding only delays it while everything drains).
    /// A held request is not counted as waiting work.
    /// A new hold is taken only when no more requests wait than there are free slots: the call must then admit every
    /// one of them, the oversize one included, and holding is the only way to keep it out until a rank has room. With
    /// more waiting than room the solver already chooses what stays out, and an oversize request stays out on its own
    /// (it costs G times its overshoot) until it fits or its aging and wait bound bring it in; a held rank would then
    /// only idle a slot and sink below the rest. (Measured on the comparison matrix, 216 cells: holding in that case
    /// too cost backlogs most, barrier idle 1.17× against 1.04× the best other's at B=16; without it oracle bfio won
    /// 110 cells instead of 107 and the online predictor 95 instead of 90, every figure's geometric mean as good or
    /// better; on the burst fixture 20.6k average imbalance instead of 22.4k.)
    /// </summary>
    private void UpdateReservations(ClusterView state, ReadOnlySpan<int> queue, int rows, int totalFree)
    {
        _releasedId = -1;
        var ranks = state.Ranks;
        var plannedRows = _sampled.AsSpan(0, _planned);
        var profile = _profileScratch.AsSpan(0, _planned);
        // Drop reservations whose request left the queue; release the first that fits now.
        for (var r = _reservedCount - 1; r >= 0; r--)
        {
            var id = _reservedId[r];
            var age = state.Step - state.QueuedStep(id);
            var fits = false;
            if (state.IsQueued(id) && _releasedId < 0)
            {
                _predictor.ProjectCandidate(state, id, plannedRows, profile);
                fits = (PlacementCost(_reservedRank[r], profile, rows) <= 0.0 && state.FreeSlots(_reservedRank[r]) > 0) || age >= _maxWait;
            }
            if (!state.IsQueued(id) || fits)
            {
                if (fits)
                {
                    _releasedId = id;
                    _releasedRank = _reservedRank[r];
                }
                _reservedCount--;
                _reservedId[r] = _reservedId[_reservedCount];
                _reservedRank[r] = _reservedRank[_reservedCount];
                _reservedHeld[r] = _reservedHeld[_reservedCount];
            }
        }
        // Holding a rank pays only while the other ranks take new work and climb; with nothing else
        // queued the held request would only wait while everything drains, so it goes in now.
        if (_releasedId < 0 && _reservedCount > 0 && queue.Length <= _reservedCount)
        {
            _releasedId = _reservedId[0];
            _releasedRank = _reservedRank[0];
            _reservedCount--;
            _reservedId[0] = _reservedId[_reservedCount];
            _reservedRank[0] = _reservedRank[_reservedCount];
            _reservedHeld[0] = _reservedHeld[_reservedCount];
        }
        if (_settings.ReserveAfterSteps < 0 || _reservedCount >= _reservedId.Length || rows == 0) return;
        if (queue.Length > totalFree) return;
        // Oversize is measured against the envelope: with every rank empty no request can be oversize (and on an empty cluster
        // the test below would otherwise cost every queued request against every rank before finding so).
        if (!(_envelope[0] > 0.0)) return;
        // Reserve for the oldest oversize request that has waited long enough. Its load now is its prompt
        // (and any tokens generated), so a request that cannot overshoot even the emptiest rank by the
        // oversize share is passed over before anything is projected.
        var lowest = double.PositiveInfinity;
        for (var g = 0; g < ranks; g++)
            if (!IsReservedRank(g)) lowest = Math.Min(lowest, _projection[g * rows]);
        var oversizeFrom = (1.0 + _settings.OversizeShare) * _envelope[0] - lowest;
        for (var q = 0; q < queue.Length; q++)
        {
            var id = queue[q];
            if (state.Step - state.QueuedStep(id) < _settings.ReserveAfterSteps) break;
            if (state.PromptTokens(id) + state.Generated(id) <= oversizeFrom) continue;
            if (id == _releasedId || IsReserved(id)) continue;
            _predictor.ProjectCandidate(state, id, plannedRows, profile);
            var bestRank = -1;
            var bestCost = double.PositiveInfinity;
            for (var g = 0; g < ranks; g++)
            {
                if (IsReservedRank(g)) continue;
                var cost = PlacementCost(g, profile, rows);
                if (cost < bestCost) { bestCost = cost; bestRank = g; }
            }
            if (bestRank < 0 || bestCost <= 0.0) continue;
            // Only an oversize request is worth a held rank: one that would stand far above even the
            // emptiest rank now.
            var overshoot = lowest + profile[0] - _envelope[0];
            if (!(_envelope[0] > 0.0) || overshoot <= _settings.OversizeShare * _envelope[0]) continue;
            _reservedId[_reservedCount] = id;
            _reservedRank[_reservedCount] = bestRank;
            _reservedHeld[_reservedCount] = true;
            _reservedCount++;
            return;
        }
    }

    private bool IsReserved(int id)
    {
        for (var r = 0; r < _reservedCount; r++) if (_reservedId[r] == id) return true;
        return false;
    }

    private bool IsReservedRank(int g)
    {
        for (var r = 0; r < _reservedCount; r++) if (_reservedRank[r] == g) return true;
        return false;
    }

    /// <summary>Objective change of putting a request with this profile (on the planned rows) on rank g alone:
    /// G·overshoot − load.</summary>
    private double PlacementCost(int g, ReadOnlySpan<double> profile, int rows)
    {
        var over = 0.0;
        var reward = 0.0;
        for (var k = 0; k < _planned; k++)
        {
            var h = _sampled[k];
            var d = _projection[g * rows + h] + profile[k] - _envelope[h];
            if (d > 0) over += _sampledWeights[k] * d;
            reward += _sampledWeights[k] * profile[k];
        }
        return _ranks * over - reward;
    }
}
