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
/// <remarks>
/// A call's parts, each testable alone: <see cref="PlannedRows"/> (the steps ahead planned on and their weights),
/// <see cref="RankProjection"/> (every rank's load on them and the envelope), <see cref="OversizeHolds"/> (ranks held for
/// oversize requests), <see cref="WaitBounds"/> (the wait bound and aging grace), <see cref="LightFirstSelection"/> (which
/// candidates enter the problem), <see cref="GreedyExchangeSolver"/> (the placement) and <see cref="BfioRouter"/> (the few
/// waiting requests placed one by one). This class reads the cluster, states the problem and admits.
/// </remarks>
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
    private readonly PlannedRows _rows = new();
    private readonly RankProjection _projection = new();
    private readonly OversizeHolds _holds = new();
    private readonly WaitBounds _waits;
    private double[] _candidateProfiles = [];   // [i·planned + k]
    private double[] _keys = [];                // Σ_k w_k a_i(k): weighted projected load per candidate
    private double[] _selectionKeys = [];  // _keys, −∞ for the candidates exempt from light-first selection
    private bool[] _keptFlag = [];
    private int[] _order = [];
    private int _ranks;
    private double _lifeWeight; // γ on every planned row ahead (BfioSettings.LifeRows), 0 without
    // Turnover τ by Little's law: requests active ÷ admissions per step, counted over the policy's own calls.
    private long _admittedTotal;

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
        _waits = new WaitBounds(settings);
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
        // Every policy's made-up backlog (PolicyWarmUp): 4 ranks of 8 slots and 4·G = 16 candidates shown at a time, 128
        // requests in 4 full turnovers of the cluster, enough for light-first selection (a queue longer than the free
        // slots) and the drain; outputs that do not repeat in step with the prompts, so ranks drift apart and exchanges
        // pay. Its 20,000-token prompt, oversize against any rank, gets a held rank: it is shown at the second call, when
        // the first call's 16 admissions left 16 slots for the 16 shown (a hold is taken only when no more wait than there
        // are free slots).
        var shape = PolicyWarmUp.Shape;
        var requests = PolicyWarmUp.Requests();
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
        // Neither run above generates as many tokens as its prompts hold, so neither plans on life rows (a generated share
        // of the running load ≥ BfioSettings.LifeRowsFromGeneratedShare): short prompts and long outputs, with a queue
        // still waiting once the running requests have generated more than their prompts, compile that path too (the
        // first G=128 call to plan on life rows paid 1.1 ms for it).
        var generating = new Request[64];
        for (var i = 0; i < generating.Length; i++)
        {
            var output = 24 + 7 * i % 40;
            generating[i] = new Request(i, 8 + i % 5, output, output);
        }
        Simulator.Run(new Workload(generating, "warm-up"), new BfioPolicy(twinSettings, predictor.Fresh(), null, warmUp: false),
            new SimulationOptions(new ClusterShape(2, 8)) { RecordSteps = false });
        // A drain: fewer requests waiting than slots free and none behind them (a queue shorter than the window), where the
        // fill starts from the least loaded rank under a count cap. The first 32 fill 4 ranks of 8 slots over two calls and
        // leave together; the 10 behind them then find 16 slots free. (Left to the first such call of a G=128 run, its
        // compilation cost that call 1 ms.)
        var drain = new Request[42];
        for (var i = 0; i < drain.Length; i++)
        {
            var output = i < 32 ? 3 : 5;
            drain[i] = new Request(i, 100 + 37 * i % 300, output, output);
        }
        Simulator.Run(new Workload(drain, "warm-up"), new BfioPolicy(twinSettings, predictor.Fresh(), null, warmUp: false),
            new SimulationOptions(shape) { RecordSteps = false });
        // The fill's reading by blocks is compiled apart: only views of 256 candidates or more take it, and the twin's
        // calls show fewer. So is the value order's radix sort, which only views of more than 160 candidates take.
        GreedyExchangeSolver.CompileBlockReading();
        ValueOrder.CompileRadix();
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
    public ReadOnlySpan<int> HeldRanks => _holds.Ranks;

    /// <summary>A request's age counts from the step it joined the queue (<see cref="ClusterView.QueuedStep"/>),
    /// so the policy keeps nothing per request but its reservations and what the predictor learns.</summary>
    public void OnReleased(ClusterView state, int slot)
    {
        _predictor.OnReleased(state, slot);
        _holds.Forget(slot);
    }

    /// <summary>The last call's problem (for tests and diagnostics).</summary>
    internal PlacementProblem LastProblem => _problem;

    /// <summary>
    /// Sizes a decision's buffers for the largest problem this cluster's calls usually state, before the first: its G ranks
    /// (and a refill column), the candidate window (4G unless set) and the most rows these settings plan on (life rows and
    /// pacing reach <see cref="BfioSettings.MaxLifeSteps"/> steps ahead, on a few sampled rows). A buffer grown inside a
    /// decision is allocated, zeroed and first touched there: a G=128 run paid 1.7 ms for its first call and 2.4 ms for the
    /// call whose planned rows went from 6 to 14 (life rows), against 0.4–0.8 ms for the others. A call shown more
    /// candidates than the window (Σ free slots beyond it, under timed arrivals) still grows them then. Without sampled
    /// rows (sample=0) the rows are reserved up to the horizon set, not as far as life rows reach: a row per step to
    /// 16,384 steps would be hundreds of MiB at G=128.
    /// </summary>
    public void Prepare(ClusterShape shape)
    {
        var ranks = shape.Ranks;
        var candidates = _settings.Window > 0 ? _settings.Window : 4 * ranks;
        var reach = _settings.SampleRows && (_settings.LifeRows || _settings.Pace)
            ? Math.Max(_settings.Horizon, BfioSettings.MaxLifeSteps)
            : _settings.Horizon;
        var rows = 1;
        if (_predictor.LooksAhead)
        {
            _rows.Reserve(reach + 1, _settings.SampleRows);
            rows = PlannedRows.CountPlanned(reach + 1, _settings.SampleRows);
        }
        EnsureBuffers(candidates);
        EnsureCandidateBuffers(candidates, rows);
        _projection.Reserve(ranks, rows);
        _problem.Reserve(ranks + 1, rows, candidates);
        _solver.Reserve(ranks + 1, rows, candidates);
        // The few requests of a call that shows no more than G are routed one by one (RouteEach), by a router built then.
        if (_settings.RouteFew && _predictor.LooksAhead) (_router ??= new BfioRouter(_predictor)).Prepare(shape);
    }

    /// <summary><see cref="Prepare(ClusterShape)"/>, and the predictor sized for the state's slots (what it keeps per
    /// request: see <see cref="IOutputPredictor.Prepare"/>).</summary>
    public void Prepare(ClusterView state)
    {
        Prepare(state.Shape);
        _predictor.Prepare(state);
    }

    /// <summary>Between steps: the predictor's housekeeping (<see cref="IOutputPredictor.OnStepped"/>).</summary>
    public void OnStepped(ClusterView state) => _predictor.OnStepped(state);

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
        if (_settings.RouteFew && _predictor.LooksAhead && _holds.Count == 0
            && queue.Length <= state.Ranks && queue.Length <= totalFree)
        {
            RouteEach(state, queue);
            return;
        }
        _ranks = state.Ranks;
        var rows = _predictor.LooksAhead ? PlannedHorizon(state, queue, totalFree) + 1 : 1;
        EnsureBuffers(queue.Length);

        var planned = ProjectRanks(state, rows);
        _holds.Update(state, queue, _predictor, _projection, _rows, _settings, totalFree, _waits.MaxWait);
        if (AdmitReleased(state)) totalFree--;
        totalFree -= _holds.HeldSlots(state);
        // Every free slot is held for an oversize request (or just took the released one): nothing is admitted, so there
        // is nothing to place. Stating and solving the problem anyway cost a G=128 mixed backlog up to 5 ms a call (the
        // solver polished it by branch and bound), for hundreds of calls at the end of its run.
        if (totalFree <= 0) return;

        var count = CollectCandidates(state, queue, totalFree);
        var admit = Math.Min(count, totalFree);
        ProjectCandidates(state, count, planned);
        count = SelectLightest(state, count, admit, planned);
        StateProblem(state, count, admit, planned);

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
    /// The rows planned on and their weights (<see cref="PlannedRows"/>: w_0, then decay^(h−1) up to H, plus γ on every
    /// planned row ahead with life rows), and every rank's projected load and the envelope on them. Returns how many
    /// rows are planned on.
    /// </summary>
    private int ProjectRanks(ClusterView state, int rows)
    {
        var planned = _rows.Plan(rows, _settings.NowWeight, _decay, _horizon, _lifeWeight, _settings.SampleRows);
        _projection.Project(state, _predictor, _rows);
        return planned;
    }

    /// <summary>A request released from its held rank goes there before anything else is placed; true if it did.</summary>
    private bool AdmitReleased(ClusterView state)
    {
        var id = _holds.ReleasedId;
        var g = _holds.ReleasedRank;
        if (id < 0 || state.FreeSlots(g) == 0) return false;
        Admit(state, id, g);
        _holds.ClearReleased();
        _projection.Reproject(state, _predictor, g, _rows);
        return true;
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
            if (_holds.HoldsRequest(id) || !state.IsQueued(id)) continue;
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
    private void StateProblem(ClusterView state, int count, int admit, int planned)
    {
        var refill = _settings.Refill && planned > 1;
        _problem.Reset(_ranks, planned, count, refill);
        if (refill) StateRefill(planned, count, admit);
        _rows.Weights.CopyTo(_problem.Weights);
        var loads = _projection.Loads;
        for (var g = 0; g < _ranks; g++)
        {
            var column = _problem.BaseColumn(g);
            var projected = loads.Slice(g * planned, planned);
            // A rank held for a large request looks full, so it only takes the smallest requests
            // while its older requests leave, until the large one fits.
            var held = _holds.HoldsRank(g);
            for (var k = 0; k < planned; k++)
                column[k] = held ? Math.Max(projected[k], _projection.Envelope(k)) : projected[k];
            _problem.Free(g) = held ? Math.Max(0, state.FreeSlots(g) - 1) : state.FreeSlots(g);
        }
        var mandatory = 0;
        for (var i = 0; i < count; i++)
        {
            var id = _candidates[i];
            _candidateProfiles.AsSpan(i * planned, planned).CopyTo(_problem.Profile(i));
            // Queue order is arrival order, so the overdue ones are the oldest at the head.
            var age = state.Step - state.QueuedStep(id);
            if (mandatory < admit && (_waits.IsOverdue(age) || _holds.ReleasedId == id))
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
            if (_waits.EarnsAging(age)) bonus += (_ranks - 1) * _waits.AgingRamp(age) * _problem.Reward(i);
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
    private void StateRefill(int planned, int count, int admit)
    {
        var level = _problem.RefillColumn;
        var now = 0.0;
        for (var g = 0; g < _ranks; g++) now += _projection.Load(g, 0);
        if (count > 0)
        {
            var offered = 0.0;
            for (var i = 0; i < count; i++) offered += _candidateProfiles[i * planned];
            now += offered * admit / count;
        }
        level[0] = 0.0;
        for (var k = 1; k < planned; k++)
        {
            var h = _rows.Rows[k];
            if (h == 1)
            {
                level[k] = 0.0;
                continue;
            }
            var total = 0.0;
            for (var g = 0; g < _ranks; g++) total += _projection.Load(g, k);
            var missing = now - total;
            level[k] = missing > 0 ? WaterFill.Level(_projection.Loads, k, _projection.Rows, _ranks, missing) : 0.0;
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
        _holds.ClearReleased();
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

    /// <summary>Ranks the arrival router rebuilt its view of so far (diagnostics: <see cref="BfioRouter.Admitted"/>).</summary>
    internal long RouterRankRebuilds => _router?.RankRebuilds ?? 0;

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
            if (!RebuildRoutedRanks) _router.Admitted(state, rank, id);
            RoutedRequests++;
        }
        _holds.ClearReleased();
    }

    /// <summary>This call's wait bounds (<see cref="WaitBounds"/>), from the requests running and those the policy admitted.</summary>
    private void UpdateWaitBounds(ClusterView state)
    {
        var active = 0L;
        foreach (var n in state.ActiveCounts) active += n;
        _waits.Update(state.Step, active, _admittedTotal);
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
    private void ProjectCandidates(ClusterView state, int count, int planned)
    {
        EnsureCandidateBuffers(count, planned);
        var plannedRows = _rows.Rows;
        var weights = _rows.Weights;
        for (var i = 0; i < count; i++)
        {
            var target = _candidateProfiles.AsSpan(i * planned, planned);
            _predictor.ProjectCandidate(state, _candidates[i], plannedRows, target);
            var key = 0.0;
            for (var k = 0; k < planned; k++) key += weights[k] * target[k];
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
        var keys = _selectionKeys.AsSpan(0, count);
        for (var i = 0; i < count; i++)
        {
            keys[i] = IsAged(state, _candidates[i]) ? double.NegativeInfinity : _keys[i];
            if (double.IsNegativeInfinity(keys[i])) aged++;
        }
        keep = Math.Max(keep, Math.Min(count, aged + admit));
        if (count <= keep) return count;
        // The keep lightest (ties to the older), then compacted in queue order.
        var keptFlag = _keptFlag.AsSpan(0, count);
        LightFirstSelection.MarkLightest(keys, keep, _order.AsSpan(0, count), keptFlag);
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

    /// <summary>Exempt from light-first selection: earning the aging bonus, overdue, or released from a reservation.</summary>
    private bool IsAged(ClusterView state, int id)
    {
        var age = state.Step - state.QueuedStep(id);
        return _holds.ReleasedId == id || _waits.IsOverdue(age) || _waits.EarnsAging(age);
    }

    /// <summary>Room for <paramref name="count"/> candidates' profiles on <paramref name="planned"/> rows and their keys
    /// (<see cref="EnsureBuffers"/> first: the keys take the candidate buffer's length).</summary>
    private void EnsureCandidateBuffers(int count, int planned)
    {
        Buffers.Ensure(ref _candidateProfiles, count * planned);
        if (_keys.Length < count)
        {
            _keys = new double[_candidates.Length];
            _order = new int[_candidates.Length];
            _selectionKeys = new double[_candidates.Length];
            _keptFlag = new bool[_candidates.Length];
        }
    }

    private void EnsureBuffers(int queueLength)
    {
        if (_candidates.Length < queueLength)
        {
            _candidates = new int[Buffers.Capacity(queueLength)];
            _rankOf = new int[_candidates.Length];
        }
    }
}
