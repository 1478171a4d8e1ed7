namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// The knobs of <see cref="BfioPolicy"/>. Weights: w_0 = <see cref="NowWeight"/> for the loads right
/// after admission (they set the next step's duration but are never recorded as imbalance), and
/// w_h = <see cref="Decay"/>^(h−1) for h = 1..H, the steps whose imbalance is recorded.
/// </summary>
public sealed record BfioSettings
{
    public const int DefaultHorizon = 16;

    /// <summary>Lookahead H in decode steps (0 = balance the loads right after admission only); paced plans reach further
    /// where departures are rare (see <see cref="Pace"/>).</summary>
    public int Horizon { get; init; } = DefaultHorizon;

    /// <summary>
    /// w_0, the weight of the loads right after admission. They are never recorded as the paper's imbalance (read after
    /// a step's departures) but they set the next step's duration, which users pay for as barrier idle and throughput.
    /// Row h ≥ 1 likewise sets step k+h+1, so every row stands for one step and w_0 = w_1 = 1. (0.5, fitted to the paper's
    /// imbalance on burst, cost up to 1.7× trtllm's barrier idle on code completion with timed arrivals: issue 12.)
    /// </summary>
    public double NowWeight { get; init; } = 1.0;

    /// <summary>
    /// Pace the plan by the departures ahead: with p departures per rank per step (a predictor that names one length per
    /// request: <see cref="LoadAhead.DeparturesPerStep"/> ÷ G), row h weighs e^(−p·h) (decay e^(−p)) and the rows reach
    /// the doubling at or past <see cref="PaceReach"/>/p; never less far, nor faster decaying, than <see cref="Horizon"/>
    /// and <see cref="Decay"/>. (Where life rows apply they plan instead: see <see cref="LifeRows"/>. With H = 0, the
    /// loads right after admission alone, nothing is paced.)
    /// Why: a placement's error on a rank (a request too large or too small for the room it had) stays on that rank until
    /// one of its requests leaves, the first moment a later call can put a differently sized request there. With
    /// departures a Poisson stream of rate p per rank, row h is still uncorrected with probability e^(−p·h). The paper's
    /// fixed decay 0.6 and 16 rows fit the burst fixture, where each rank loses about 1.2 requests a step (B = 72, mean
    /// output 59); with B = 16 and chat's mean output of 184 a rank loses one every 11.5 steps, and a plan that forgets
    /// after 2 steps let bfio fill freed ranks with whatever did not overshoot the envelope now: bfio-ref, planning 72
    /// rows undecayed, balanced chat backlogs at G = 32, B = 16 with 0.55–0.74× bfio's imbalance. Paced (decay 0.92, 64
    /// rows there) bfio's imbalance fell to 0.56–0.65× what it was, over seeds 1 and 2 together below bfio-ref's.
    /// Why never below the settings: where departures come faster (p above 0.51: burst, code completion, bursty traffic),
    /// pacing alone would plan fewer and faster-fading rows than the settings; on the comparison matrix that cost
    /// bursty and code backlogs balance (barrier idle 0.591 → 0.614 and 0.504 → 0.510 the best other policy's) for no
    /// gain elsewhere, so those keep the settings' plan. Why every free slot counts, not only those this call can fill:
    /// a backlog's first call shows 4G candidates for G·B free slots, and counting only what it fills planned as if the
    /// cluster would stay nearly empty (it changed the burst fixture's whole run); the burst fixture now decides exactly
    /// as before.
    /// On the comparison matrix (216 cells): chat backlogs' barrier idle 0.899 → 0.712 the best other policy's (imbalance
    /// 0.948 → 0.756), mixed backlogs 0.745 → 0.736, long-context backlogs 0.919 → 0.935, every other group within 0.005;
    /// cells won 154 → 156 (chat backlogs 4 → 6; four of the six still lost miss only the 0.8× imbalance rule). Reaches of
    /// 2 and 8 (with the slots this call fills) won 156 and 154 cells, chat backlogs' barrier idle 0.770 and 0.710.
    /// </summary>
    public bool Pace { get; init; } = true;

    /// <summary>
    /// How far paced rows reach, in mean intervals between a rank's departures (1/p): the weights of rows past it sum to
    /// under e^(−4), 2% of the whole (see <see cref="Pace"/>).
    /// </summary>
    public const double PaceReach = 4.0;

    /// <summary>w_h = Decay^(h−1) for h ≥ 1; paced plans decay slower where departures are rare (see <see cref="Pace"/>).</summary>
    public double Decay { get; init; } = 0.6;

    /// <summary>
    /// Plan beyond the horizon H out to where the requests leave (life rows): with a predictor that names each request's
    /// length, once generated tokens make most of the load ahead (γ ahead ≥ <see cref="LifeRowsFromGeneratedShare"/>: of
    /// the load the running requests and the candidates will hold until each leaves, summed over every step of their
    /// predicted lives, the share that is generated tokens; see <see cref="LoadAhead.GeneratedShare"/>), the
    /// rows go on doubling past H up to the longest predicted life among the candidates (at most
    /// <see cref="MaxLifeSteps"/>; past it no candidate holds load, so no placement changes those rows), and every planned
    /// row ahead carries γ on top of its decayed weight, γ = Σ gen ÷ Σ (prompt + gen) over the running requests (each
    /// doubling of the time ahead the same: no time scale is favoured).
    /// Why: a placement's load lasts the request's whole life and grows with it. Where prompts make most of that load
    /// (chat, code, long contexts, most bursty traffic), the next calls' admissions rebalance ranks within a few steps, so
    /// the near rows decide. Where generated tokens make it (long generation: a 16,000-token output leaves its rank 16,000
    /// tokens lighter at once), admissions carry too little to rebalance, and only the placement now decides where that
    /// load stands when it leaves, thousands of steps past any fixed horizon.
    /// Why the load ahead and not the load running now: in a mix drifting into long generation the running load stays
    /// mostly prompts (γ about 0.4 throughout), yet a long-generation request placed now holds and grows on its rank for
    /// thousands of steps, most of a backlog's admission phase (mixed, G=32, B=72: 3,460 steps), so where it goes decides
    /// its rank's load for the rest of that phase, however prompt-heavy the load running now.
    /// Gated on γ, life rows never applied there and bfio idled 1.16× the best other policy's barrier time on mixed
    /// backlogs (1.28× on seeds 3 and 4); gated on γ ahead, 0.95× (1.01×), backlogged long generation won 11 of 12
    /// cells as before (10 → 12 on seeds 3 and 4), and every shape where prompts make the load ahead decides exactly as
    /// before (the burst fixture's admissions too). Bursty backlogs, where a few requests of thousands of tokens sometimes tip the
    /// share, idle a little more (0.63× → 0.67× the best other policy's; 0.75× → 0.79×).
    /// On the comparison matrix (216 cells): 126 cells without life rows, 140 gated on γ, 148 gated on γ ahead (seeds 3
    /// and 4: 140 → 141, the rest of the difference within bursty timed cells decided by 1–2%). Planning life rows whatever
    /// the share won 145 but costs every decision of prompt-made traffic more rows (burst, G=32: 11 rows instead of 6,
    /// median 1.5×). A fixed weight per doubling instead of γ won 143; rows every fourfold step instead of every doubling
    /// balanced long generation less (barrier idle 0.725 against 0.663).
    /// Life rows need lengths named per request: the online predictor's far rows are survival averages by prompt, which
    /// cannot tell the long requests from the rest (with them it won 104 cells instead of 110), and the noisy predictor's
    /// ±20% moves a long request's departure by thousands of steps (see <see cref="NoisyPredictor.PlansWholeLives"/>); both
    /// plan on H alone with the paper's weights.
    /// </summary>
    public bool LifeRows { get; init; } = true;

    /// <summary>The longest life rows reach, in steps (16,384: the longest output of the workload shapes).</summary>
    public const int MaxLifeSteps = 16384;

    /// <summary>
    /// γ ahead from which life rows are planned: generated tokens make at least half of the load ahead, so departures, not
    /// admissions, set where the ranks stand (see <see cref="LifeRows"/>).
    /// </summary>
    public const double LifeRowsFromGeneratedShare = 0.5;

    /// <summary>κ: the objective is Σ_h w_h (G·max − κ·ΣL). 1 = imbalance; below 1 the step time (max) weighs more.</summary>
    public double MassWeight { get; init; } = 1.0;

    /// <summary>
    /// Light-first selection: of the candidates beyond the admit count, only this share, the lightest by
    /// weighted projected load, enter the problem (the aged, overdue and released ones always do); −1 = all.
    /// Step time is the heaviest rank's load, so admitting the lighter requests first keeps every step
    /// shorter while the heavy ones wait (bounded by aging and the hard bound) for room. A smaller share
    /// trades balance for throughput; 0.35 is the knee on resampled burst (12 seeds) and Azure (5 seeds).
    /// The comparison matrix (docs/compare.md; G 8 and 32) agrees on throughput and TTFT p99, not on
    /// backlogged imbalance: −1 (every candidate) balances long-context and mixed backlogs better (1.19× and
    /// 1.62× the best other policy's imbalance against 1.42× and 1.74×) at 1–3% less throughput there, and
    /// 1% less with the online predictor on burst.
    /// </summary>
    public double SelectSlack { get; init; } = 0.35;

    /// <summary>
    /// Candidates considered per call at most (0 = 4·G): the queue head, G requests (at least Σ free slots), and past them
    /// only those that arrived at the same moment as the last of them. Every request a call passes over may be passed over
    /// again, and its wait counts toward its time to first token from its arrival; the queue is in arrival order, so a
    /// head of G lets a waiting request be overtaken only by the few that arrived soon after it, where a head of 4G let
    /// light requests overtake heavier ones for as long as lighter ones kept arriving (overloaded long generation:
    /// TTFT p99 3× the length-free policies'). Requests that arrived together have no order to keep, so a backlog (every
    /// request at t=0) still offers the solver the whole reveal window to pack. On the comparison matrix (216 cells) oracle
    /// bfio won 119 cells instead of 110 and the online predictor 104 instead of 95, TTFT p99's geometric mean 0.94 → 0.81
    /// the best other policy's, every backlogged figure unchanged; a head of G for backlogs too lost them (barrier idle
    /// 0.81× → 0.91×, mixed backlogs 1.15× → 1.60×).
    /// </summary>
    public int Window { get; init; }

    /// <summary>
    /// Soft aging: after a grace of T = AgingSteps steps in the queue a request earns a bonus
    /// (G−1)·min(1, (a − T)/T)·Σ_h w_h a_i(h), so the share of it allowed above the envelope grows with
    /// its wait a; from a = 2T on it goes anywhere. Scale-free (proportional to its own load). 0 disables.
    /// The default, three quarters of <see cref="MaxWaitSteps"/>, lets a heavy request wait for a rank with
    /// room for most of the bound; the bonus reaches a third of its full strength before the hard bound forces
    /// the request in. Like the bound, it is a guard: scaled with the bound's turnovers it earns no request a bonus in
    /// any cell of the comparison matrix (aging off decides all 216 cells alike), so no figure there pays for it.
    /// </summary>
    public int AgingSteps { get; init; } = 96;

    /// <summary>
    /// An oversize request (see <see cref="OversizeShare"/>) that has waited this many steps gets a rank held
    /// for it (see <see cref="BfioPolicy"/>); at most max(1, G/8) at a time. 0 = as soon as it is seen; −1 disables.
    /// A hold is taken only in a call that must admit everything waiting (no more requests than free slots); with more
    /// waiting the solver leaves the oversize request out by itself, and a held slot would only idle.
    /// </summary>
    public int ReserveAfterSteps { get; init; }

    /// <summary>
    /// Oversize: a request that would overshoot the current envelope (row 0) on its best rank by more than
    /// this share of the envelope. Admitting one at once lifts one rank far above the rest, and every other
    /// rank then idles at the barrier until it catches up; holding the rank it fits best instead costs that
    /// one rank's gap. 0.2 on burst (9 seeds) and Azure (3 seeds); 0 = any request that fits nowhere.
    /// </summary>
    public double OversizeShare { get; init; } = 0.2;

    /// <summary>Passes of improving exchanges after the greedy fill; -1 = until none improves (the default).
    /// Fewer passes trade objective for decision time.</summary>
    public int ExchangeSweeps { get; init; } = -1;

    /// <summary>
    /// Exchange work per call at most, in exchanges evaluated (0 = no limit), for up to <see cref="BudgetRanks"/> ranks,
    /// and in proportion to G beyond (<see cref="ExchangeBudgetFor"/>). A count, not a clock, so decisions repeat
    /// exactly. It grows with G because a call's candidates, and the exchanges that settle them, do: the same budget at
    /// G=128 left code completion (load 1.2, B=72) at 4.9× trtllm's barrier idle, four times it 1.9× and no limit 1.8×;
    /// on the comparison matrix's G=128 cells oracle bfio won 6 more. Below 32 ranks it does not shrink: a quarter at G=8
    /// balanced the oracle as well but cost the online predictor 5 bursty cells. It counts exchanges, not the horizon
    /// rows each one reads (16,000 rows until the horizon grew: the same 2,667 exchanges on the 6 rows of H = 16), so a
    /// longer horizon does not cut the search short: counted in rows, the 15 rows of H = 16,384 left backlogged bursty
    /// requests 1.25× the imbalance of the same horizon with the search intact.
    /// </summary>
    public int ExchangeBudget { get; init; } = 2667;

    /// <summary>The ranks <see cref="ExchangeBudget"/> is stated for.</summary>
    public const int BudgetRanks = 32;

    /// <summary>The exchange budget of one call on <paramref name="ranks"/> ranks (0 = no limit).</summary>
    public long ExchangeBudgetFor(int ranks) => (long)ExchangeBudget * Math.Max(ranks, BudgetRanks) / BudgetRanks;

    /// <summary>
    /// Plan on the rows h = 0, 1, 2, 4, 8, …, H only, each weighted with the weights of the rows it stands
    /// for (h up to the next sampled row): O(log H) rows instead of H + 1, the same total weight.
    /// </summary>
    public bool SampleRows { get; init; } = true;

    /// <summary>
    /// With at most as many requests waiting as there are ranks, and room for all of them now, nothing is left to choose
    /// but where each goes: they are placed one by one, largest prompt first, by BF-IO's arrival router
    /// (<see cref="Routing.BfioRouter"/>), which judges each over its whole life (one row per doubling of the steps ahead,
    /// up to 2048) with the arrivals still to come as a water level on the lowest ranks, where the solver sees
    /// <see cref="Horizon"/> steps and no arrivals at all. With more waiting than ranks, which to admit and how to pack
    /// them together is the solver's (backlogs, bursts, overload). false = the solver always. On the comparison matrix
    /// (G 8 and 32, 144 cells) oracle bfio won 54 cells instead of 27 and the online predictor 52 instead of 45, its
    /// geometric means improving on every figure; all the gain is in timed arrivals (long generation 0 → 9 of 16, mixed
    /// 0 → 6, long context 8 → 15, chat 5 → 10). Routing every call whose requests all fit, backlog ramp-ups included,
    /// won more cells (62) but lost balance on backlogged chat and long context (barrier idle 1.01× → 1.28× and 1.46× →
    /// 1.97× the best other): packing a reveal window of 4G requests at once is the solver's job. In arrival order
    /// instead of largest prompt first the router won 40 cells.
    /// </summary>
    public bool RouteFew { get; init; } = true;

    /// <summary>
    /// The rows ahead expect the requests still to come: the projection holds only the requests running now, so each
    /// row's total falls as they leave, but later calls refill the freed slots, keeping the total where it stands now,
    /// and send that mass to the lowest ranks first. So each row ahead is scored with a refill level, the water level
    /// of that missing mass over the lowest ranks, as its least maximum: a placement costs only where it would stand
    /// above the level, not where departures make a rank look empty that the next calls fill anyway. Where requests live
    /// a few steps (code completion: outputs of 5–50) that is most of every row ahead; where they live long, little.
    /// (The same model as <see cref="Routing.BfioRouter"/>'s water level.) false = the rows hold the running requests only.
    /// On the comparison matrix (216 cells, with <see cref="ExchangeBudget"/> scaled with G) oracle bfio won 108 cells
    /// instead of 93 and the online predictor 90 instead of 88, every figure's geometric mean as good or better and no
    /// group of cells worse; backlogged code completion 2 → 11 of 12 (barrier idle 0.97× → 0.65× the best other
    /// policy's), timed code 1 → 3 of 24 (barrier idle 1.52× → 1.16× trtllm's). Scoring the rows ahead from the running
    /// requests alone made a rank about to empty look like the place for new work, at the cost of the step decided.
    /// The total the rows are refilled to is where this call leaves it, its own admissions included (refilled only to the
    /// total before them, the ranks those admissions go to stood above the level ahead: timed code completion idled
    /// 1.08× trtllm at G=32, B=72); and row 1 has no level, as nothing is admitted between this step and the moment it
    /// is read (the paper's record). Oracle 124 → 126 of 216 cells (118 → 125 on seeds 3 and 4), online 112 → 109 (103
    /// → 103); barrier idle's geometric mean 0.811 → 0.788 the best other's, imbalance's 0.720 → 0.733.
    /// </summary>
    public bool Refill { get; init; } = true;

    /// <summary>Hard bound: a request queued this many steps (or <see cref="MaxWaitTurnovers"/> turnovers, if longer) is
    /// admitted at the next call with a free slot.</summary>
    public int MaxWaitSteps { get; init; } = 128;

    /// <summary>
    /// The hard bound in turnovers (mean request lifetimes, measured by Little's law): the bound is the larger
    /// of this many turnovers and <see cref="MaxWaitSteps"/>; 0 = steps only. Scales the wait to the workload,
    /// so a long-context prompt waits for a rank to drain instead of being forced onto one after a fixed count
    /// of short steps. In the comparison matrix (G 8 and 32) 0, 2 and 8 turnovers took backlogged imbalance
    /// from 2.6× to 1.9× to 1.4× the best other policy's on long-context and from 5.1× to 3.3× to 1.7× on mixed.
    /// Why 12: the bound is a guard against starvation, not a placement rule. At 8 it still fired in backlogs of
    /// heavy-tailed prompts (mixed, bursty), forcing a large prompt onto a rank before any had drained room for it; at
    /// 12 it fires in no cell of the 216-cell matrix (12 and 16 decide every cell alike), so the solver places every
    /// request itself: oracle 148 → 154 cells (seeds 3 and 4: 141 → 143), mixed backlogs' barrier idle 0.953 → 0.745
    /// the best other policy's, bursty 0.666 → 0.591, the online predictor's backlogs as good or better; timed arrivals
    /// decide exactly as before (routing the few and the candidate head keep waits short there), and backlogged TTFT
    /// p99 is no worse (0.94–1.00× per shape).
    /// </summary>
    public double MaxWaitTurnovers { get; init; } = 12.0;

    /// <summary>Checks every setting; a bad one is a <see cref="PolicyParameterException"/> naming its policy key (h, w0, …).</summary>
    public void Validate()
    {
        Require(Horizon >= 0, "h", Horizon, "must be ≥ 0");
        Require(NowWeight >= 0.0 && double.IsFinite(NowWeight), "w0", NowWeight, "must be ≥ 0");
        Require(Decay > 0.0 && Decay <= 1.0, "decay", Decay, "must lie in (0, 1]");
        Require(SelectSlack == -1 || (SelectSlack >= 0.0 && SelectSlack <= 1.0), "select", SelectSlack, "must be -1 or lie in [0, 1]");
        Require(double.IsFinite(MassWeight), "mass", MassWeight, "must be finite");
        Require(Window >= 0, "window", Window, "must be ≥ 0");
        Require(AgingSteps >= 0, "aging", AgingSteps, "must be ≥ 0");
        Require(ReserveAfterSteps >= -1, "reserve", ReserveAfterSteps, "must be ≥ -1");
        Require(OversizeShare >= 0.0 && double.IsFinite(OversizeShare), "oversize", OversizeShare, "must be ≥ 0");
        Require(ExchangeSweeps >= -1, "sweeps", ExchangeSweeps, "must be ≥ -1");
        Require(ExchangeBudget >= 0, "budget", ExchangeBudget, "must be ≥ 0");
        Require(MaxWaitSteps >= 1, "maxwait", MaxWaitSteps, "must be ≥ 1");
        Require(MaxWaitTurnovers >= 0 && double.IsFinite(MaxWaitTurnovers), "turnovers", MaxWaitTurnovers, "must be ≥ 0");
    }

    private static void Require(bool ok, string key, object value, string rule)
    {
        if (!ok) throw new PolicyParameterException(key, value, rule);
    }
}
