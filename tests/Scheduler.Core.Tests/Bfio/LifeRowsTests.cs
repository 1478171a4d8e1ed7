using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;
using Scheduler.Core.Simulation;
using Scheduler.Core.Workloads;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>
/// Life rows (<see cref="BfioSettings.LifeRows"/>): a long horizon planned on a few doubling rows, projected in O(rows)
/// rather than O(H), reaching as far as the predictor can tell requests apart.
/// </summary>
public sealed class LifeRowsTests
{
    private static readonly int[] Doubling = [0, 1, 2, 4, 8, 16, 32, 64];
    private static readonly int[] Ragged = [0, 1, 3, 7, 20, 21, 50];
    private static readonly int[] Dense = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    private static readonly int[] DoublingToTwelve = [0, 1, 2, 4, 8, 12];
    // More rows than a rank's projection takes eight requests at a time (life rows): each request goes to its row.
    private static readonly int[] DoublingTo4096 = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
    // Rows that start ahead of now: the departures before the first of them count at it.
    private static readonly int[] StartingAhead = [2, 5, 9, 20];

    /// <summary>Requests of varied prompts and lengths, some estimated too short (they outlive their estimate and stay).</summary>
    internal static ClusterState MixedState(int ranks, int steps)
    {
        var requests = new List<Request>();
        for (var i = 0; i < 40; i++)
        {
            var output = 1 + (i * 37) % 90;
            // Some outlive their estimate, and ô = 0 is read as 1.
            var estimate = i % 11 == 0 ? 0 : i % 7 == 0 ? Math.Max(1, output / 4) : output;
            requests.Add(new Request(i, 50 + (i * 131) % 900, output, estimate));
        }
        return ProjectionTests.RunningState(requests, steps, ranks, batch: 16);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(11)]
    public void Rank_rows_equal_the_full_projection_on_every_planned_row(int steps)
    {
        var state = MixedState(ranks: 3, steps);
        // Every predictor, the no-lookahead one through the interface's own rows (every step up to the last, picked out).
        IOutputPredictor[] predictors = [new OraclePredictor(), new NoisyPredictor(0.3, 5), new OnlineSurvivalPredictor(), new NoLookaheadPredictor()];
        foreach (var predictor in predictors)
            foreach (var rows in new[] { Doubling, Ragged, Dense, DoublingToTwelve, DoublingTo4096, StartingAhead })
                for (var g = 0; g < state.Ranks; g++)
                {
                    var full = new double[rows[^1] + 1];
                    predictor.ProjectRank(state, g, full);
                    var sampled = new double[rows.Length];
                    predictor.ProjectRankRows(state, g, rows, sampled);
                    for (var k = 0; k < rows.Length; k++) Assert.Equal(full[rows[k]], sampled[k]);
                }
    }

    [Fact]
    public void Candidate_rows_equal_the_profile_over_every_step_at_each_planned_row_for_every_predictor()
    {
        var requests = Enumerable.Range(0, 6).Select(i => new Request(i, 100 + 50 * i, 1 + 9 * i, 1 + 9 * i)).ToList();
        var state = new ClusterState(new Workload(requests, "test"), new ClusterShape(2, 8));
        state.RevealUpTo(requests.Count);
        var everyStep = Enumerable.Range(0, Ragged[^1] + 1).ToArray();
        IOutputPredictor[] predictors = [new OraclePredictor(), new NoisyPredictor(0.2, 3), new NoLookaheadPredictor(), new OnlineSurvivalPredictor()];
        foreach (var predictor in predictors)
            for (var id = 0; id < requests.Count; id++)
            {
                var full = new double[everyStep.Length];
                predictor.ProjectCandidate(state, id, everyStep, full);
                var dense = new double[Ragged.Length];
                predictor.ProjectCandidate(state, id, Ragged, dense);
                for (var k = 0; k < Ragged.Length; k++) Assert.Equal(full[Ragged[k]], dense[k]);
            }
    }

    /// <summary>Running: outputs 30 and 80 after 10 steps, leaving in 20 and 70 steps; queued: 5 and 120 tokens (ids 2, 3).</summary>
    internal static ClusterState TwoRunningTwoQueued()
    {
        var requests = new List<Request> { new(0, 100, 30, 30), new(1, 100, 80, 80), new(2, 10, 5, 5), new(3, 10, 120, 120) };
        var state = new ClusterState(new Workload(requests, "test"), new ClusterShape(2, 4));
        state.RevealUpTo(4);
        state.BeginPolicyCall();
        state.Admit(0, 0);
        state.Admit(1, 1);
        state.CompactQueue();
        var finished = new List<int>();
        for (var k = 0; k < 10; k++) state.AdvanceStep(0.01, finished);
        return state;
    }

    [Fact]
    public void The_oracle_reaches_the_longest_life_among_the_candidates()
    {
        ClusterView view = TwoRunningTwoQueued();
        var oracle = new OraclePredictor();

        // Past a candidate's life it holds no load: the running request leaving in 70 steps sets no row.
        Assert.Equal(5, oracle.LongestLife(view, [2], cap: 1000));
        Assert.Equal(120, oracle.LongestLife(view, [2, 3], cap: 1000));
        Assert.Equal(64, oracle.LongestLife(view, [2, 3], cap: 64));
        // The online and noisy predictors name no length to plan by: they plan no rows past their horizon.
        Assert.Equal(0, ((IOutputPredictor)new OnlineSurvivalPredictor()).LongestLife(view, [2, 3], cap: 1000));
        Assert.Equal(0, new NoisyPredictor(0.2, 1).LongestLife(view, [2, 3], cap: 16384));
    }

    [Fact]
    public void Only_the_oracle_plans_whole_lives()
    {
        // The flag the policy's whole-life rules read (life rows, the mean life of the refill rule), and the one
        // LongestLife answers by: a noisy predictor names lengths but they are not to be planned on as departures.
        Assert.True(new OraclePredictor().PlansWholeLives);
        Assert.False(new NoisyPredictor(0.2, 1).PlansWholeLives);
        Assert.False(new NoisyPredictor(0.0, 1).PlansWholeLives);
        Assert.False(((IOutputPredictor)new OnlineSurvivalPredictor()).PlansWholeLives);
        Assert.False(((IOutputPredictor)new NoLookaheadPredictor()).PlansWholeLives);
    }

    [Fact]
    public void The_generated_share_ahead_counts_every_step_of_each_remaining_life()
    {
        ClusterView view = TwoRunningTwoQueued();
        var oracle = new OraclePredictor();
        // A request of prompt p, g generated, leaving in r steps: r·p prompt and r·g + r(r + 1)/2 generated tokens ahead.
        static (double Prompt, double Generated) Ahead(double p, double g, double r) => (r * p, r * g + r * (r + 1) / 2);
        var running = new[] { Ahead(100, 10, 20), Ahead(100, 10, 70) };
        var queued = new[] { Ahead(10, 0, 5), Ahead(10, 0, 120) };
        static double Share(IEnumerable<(double Prompt, double Generated)> parts) =>
            parts.Sum(x => x.Generated) / parts.Sum(x => x.Prompt + x.Generated);

        Assert.Equal(Share(running), oracle.Ahead(view, [], 0).GeneratedShare, 12);
        Assert.Equal(Share(running.Concat(queued)), oracle.Ahead(view, [2, 3], 0).GeneratedShare, 12);
        Assert.Equal(0.0, ((IOutputPredictor)new OnlineSurvivalPredictor()).Ahead(view, [2, 3], 2).GeneratedShare);
    }

    [Fact]
    public void A_request_that_outlived_its_estimate_counts_for_nothing_ahead()
    {
        // Estimated at 2 tokens, still running after 5 steps: nothing says how much longer it runs.
        var state = ProjectionTests.RunningState([new Request(0, 100, 50, 2), new Request(1, 10, 40, 40)], steps: 5, ranks: 2);
        var oracle = new OraclePredictor();

        // Only request 1 (prompt 10, 5 generated, 35 to go): 35·10 prompt tokens, 35·5 + 35·36/2 generated.
        Assert.Equal(805.0 / (350 + 805), oracle.Ahead(state, [], 0).GeneratedShare, 12);
    }

    /// <summary>
    /// Long generation (outputs of 1k–16k tokens, prompts under 1k): the generated tokens make nearly all of the load, so
    /// where a request stands when it leaves is decided at its placement, thousands of steps past the 16-row horizon.
    /// Planning to the end of the lives balances the cluster better and lifts throughput.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Life_rows_balance_long_generation_better_than_the_horizon_alone(int seed) =>
        AssertLifeRowsBalanceBetter("long-generation", new ClusterShape(8, 16), seed);

    /// <summary>
    /// A drifting mix (chat and code giving way to long contexts and long generation): prompts make most of the running
    /// load (γ about 0.4), but the long-generation requests in the queue will hold mostly generated tokens for thousands
    /// of steps, most of the admission phase (at G=32, B=72 about 3,500 steps): where their ranks stand for the rest of
    /// it is decided when they are placed. Gated on the share ahead, life rows plan for it; gated on the running share,
    /// they seldom did. At G=32 (20–30% less imbalance at B=16 and 72); on 8 ranks the two come out within 1–5%.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Life_rows_balance_a_mix_drifting_into_long_generation_better_than_the_horizon_alone(int seed) =>
        AssertLifeRowsBalanceBetter("mixed", new ClusterShape(32, 16), seed);

    /// <summary>bfio with life rows against <c>bfio:life=0;pace=0</c>, the horizon alone, on a backlog of
    /// <paramref name="shapeName"/> (8·G·B requests, as in a matrix cell): less imbalance, less barrier idle, more
    /// throughput. (Against paced rows without life rows, which also reach far where departures are rare, the margin is
    /// smaller and not always on the same side: mixed, G=32, B=16, seed 2, 326k against 322k imbalance.)</summary>
    private static void AssertLifeRowsBalanceBetter(string shapeName, ClusterShape shape, int seed)
    {
        var workload = ShapeGenerator.Generate(ShapeCatalog.Get(shapeName), 8 * shape.Ranks * shape.BatchSize, seed);
        RunSummary Run(string policy) =>
            Simulator.Run(workload, PolicyCatalog.Create(policy), new SimulationOptions(shape) { RecordSteps = false }).Summary;

        var life = Run("bfio");
        var horizonOnly = Run("bfio:life=0;pace=0");

        Assert.True(life.AvgImbalance < horizonOnly.AvgImbalance, $"imbalance {life.AvgImbalance:F0} against {horizonOnly.AvgImbalance:F0}");
        Assert.True(life.BarrierIdleFraction < horizonOnly.BarrierIdleFraction,
            $"barrier idle {life.BarrierIdleFraction:F4} against {horizonOnly.BarrierIdleFraction:F4}");
        Assert.True(life.Throughput > horizonOnly.Throughput, $"throughput {life.Throughput:F0} against {horizonOnly.Throughput:F0}");
    }

    /// <summary>Runs <paramref name="spec"/> on G=4, B=8 and returns the rows of every problem it solved, and the run.</summary>
    internal static (List<int> Rows, SimulationResult Run) PlannedRows(string spec, Workload workload)
    {
        var rows = new List<int>();
        var policy = (BfioPolicy)PolicyCatalog.Create(spec);
        policy.Solved = (problem, _) => rows.Add(problem.Rows);
        var run = Simulator.Run(workload, policy, new SimulationOptions(new ClusterShape(4, 8)) { RecordSteps = false });
        return (rows, run);
    }

    /// <summary>
    /// Life rows plan 12–16 rows over up to 16,384 steps. The ranks' projection is held per planned row, so what a call
    /// allocates does not grow with the horizon: a buffer per step ahead took G·(H+1) doubles (17 MB at G=128, 6 ms to
    /// allocate in the call that first planned life rows). G=64, B=4, long generation: the call that fills the cluster
    /// plans life rows, and the calls of 40 steps together allocate far less than one such buffer (9.2 MB before).
    /// </summary>
    [Fact]
    public void Planning_life_rows_allocates_nothing_that_grows_with_the_horizon()
    {
        var workload = ShapeGenerator.Generate(ShapeCatalog.Get("long-generation"), 1024, seed: 3);
        var shape = new ClusterShape(64, 4);
        var state = new ClusterState(workload, shape, recordAdmissions: false);
        var policy = (BfioPolicy)PolicyCatalog.Create("bfio:route=0");
        var rows = new List<int>();
        policy.Solved = (problem, _) => rows.Add(problem.Rows);
        var finished = new List<int>();
        var allocated = 0L;
        for (var k = 0; k < 40 && !state.AllFinished; k++)
        {
            state.RevealUpTo(shape.RevealWindow);
            state.BeginPolicyCall();
            var before = GC.GetAllocatedBytesForCurrentThread();
            policy.Place(state);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            state.CompactQueue();
            finished.Clear();
            state.AdvanceStep(0.01, finished);
        }
        Assert.Contains(rows, r => r >= 12);
        Assert.True(allocated < 2_000_000, $"{allocated:N0} bytes allocated by {rows.Count} calls planning up to {rows.Max()} rows");
    }

    [Fact]
    public void Without_life_rows_the_planned_rows_stop_at_the_horizon()
    {
        var workload = ShapeGenerator.Generate(ShapeCatalog.Get("long-generation"), 64, seed: 3);

        // (Unpaced: pacing would reach as far where departures are this rare; see PaceTests.)
        var (horizonOnly, _) = PlannedRows("bfio:life=0;route=0;pace=0", workload);
        var (withLife, _) = PlannedRows("bfio:route=0", workload);

        // H = 16: rows 0, 1, 2, 4, 8, 16. Outputs of 1,000 tokens or more (prompts of about 250) reach at least row 1,024,
        // from the first call: what the candidates will generate outweighs their prompts before any of it runs.
        Assert.All(horizonOnly, rows => Assert.Equal(6, rows));
        Assert.All(withLife, rows => Assert.True(rows >= 12, $"{rows} rows"));
    }

    [Fact]
    public void Where_prompts_make_the_load_no_life_rows_are_planned()
    {
        // Chat: prompts of ~1.4k tokens, outputs of ~180; the generated share of the load ahead stays near 0.1, so the next
        // admissions rebalance the ranks and the near rows decide, exactly as without life rows.
        var workload = ShapeGenerator.Generate(ShapeCatalog.Get("chat"), 256, seed: 3);

        // (Unpaced, so that the horizon stays H: see PaceTests.)
        var (rows, withLife) = PlannedRows("bfio:route=0;pace=0", workload);
        var (_, without) = PlannedRows("bfio:route=0;life=0;pace=0", workload);

        Assert.All(rows, r => Assert.Equal(6, r));
        Assert.Equal(without.Admissions.Select(a => (a.RequestId, a.Rank)), withLife.Admissions.Select(a => (a.RequestId, a.Rank)));
    }
}
