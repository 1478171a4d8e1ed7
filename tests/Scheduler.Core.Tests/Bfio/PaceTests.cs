using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;
using Scheduler.Core.Simulation;
using Scheduler.Core.Workloads;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>
/// Paced plans (<see cref="BfioSettings.Pace"/>): the horizon and decay follow the departures per rank per step ahead, so a
/// placement is judged over the steps until its rank can next be corrected.
/// </summary>
public sealed class PaceTests
{
    [Fact]
    public void Departures_ahead_are_the_running_requests_rates_plus_the_free_slots_at_the_candidates_mean_rate()
    {
        // Running: lives of 30 and 80 steps; queued: ids 2 and 3, lives of 5 and 120.
        ClusterView view = LifeRowsTests.TwoRunningTwoQueued();
        var oracle = new OraclePredictor();
        var running = 1.0 / 30 + 1.0 / 80;
        var candidateMean = (1.0 / 5 + 1.0 / 120) / 2;

        Assert.Equal(running, oracle.Ahead(view, [], 6).DeparturesPerStep, 12);
        Assert.Equal(running, oracle.Ahead(view, [2, 3], 0).DeparturesPerStep, 12);
        Assert.Equal(running + candidateMean, oracle.Ahead(view, [2, 3], 1).DeparturesPerStep, 12);
        // Every free slot counts, even beyond the candidates shown: later calls fill them with requests like these.
        Assert.Equal(running + 6 * candidateMean, oracle.Ahead(view, [2, 3], 6).DeparturesPerStep, 12);
        // The online predictor names no length per request: nothing is known ahead, and its plan is the settings'.
        Assert.Equal(LoadAhead.Unknown, ((IOutputPredictor)new OnlineSurvivalPredictor()).Ahead(view, [2, 3], 6));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(11)]
    public void The_generated_share_ahead_sums_each_running_request_over_the_steps_it_has_left(int steps)
    {
        // About 13 requests a rank: eight are summed in vector lanes, the rest one by one; some outlived their estimate.
        var state = LifeRowsTests.MixedState(ranks: 3, steps);
        ClusterView view = state;
        DeterministicPredictor[] predictors = [new OraclePredictor(), new NoisyPredictor(0.3, 5)];
        foreach (var predictor in predictors)
        {
            // Step by step: a request of prompt p with g generated and r steps left holds p + g + h at h = 1 … r.
            long prompt = 0, generated = 0;
            for (var g = 0; g < view.Ranks; g++)
                foreach (var id in view.ActiveRequests(g))
                {
                    var gen = view.Generated(id);
                    var left = predictor.EstimatedOutput(view, id) - gen;
                    for (var h = 1; h <= left; h++)
                    {
                        prompt += view.PromptTokens(id);
                        generated += gen + h;
                    }
                }
            var expected = (double)generated / (prompt + generated);

            Assert.Equal(expected, predictor.Ahead(view, [], 0).GeneratedShare);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(37)]
    public void The_vector_sum_of_rates_equals_the_sum_one_by_one_with_lives_below_one_read_as_one(int count)
    {
        var lives = Enumerable.Range(0, count).Select(i => i % 9 == 0 ? -i % 3 : 1 + (i * 7919) % 16384).ToArray();
        var expected = lives.Sum(o => 1.0 / Math.Max(1, o));

        Assert.Equal(expected, DeterministicPredictor.ReciprocalSum(lives), 12);
    }

    [Fact]
    public void Where_departures_are_rare_the_plan_reaches_further_and_fades_slower()
    {
        // Chat on 4 ranks of 8 slots: a rank loses a request about every 184 / 8 = 23 steps (p ≈ 0.04), so rows reach the
        // doubling past 4/p ≈ 90 steps: 0, 1, 2, …, 128, nine rows, where the settings plan six (H = 16). (The first
        // calls, with free slots counted at the queued requests' mean rate, where short lives weigh most, plan eight.)
        var workload = ShapeGenerator.Generate(ShapeCatalog.Get("chat"), 256, seed: 3);
        var weights = new List<double[]>();
        var policy = (BfioPolicy)PolicyCatalog.Create("bfio:route=0");
        policy.Solved = (problem, _) => weights.Add(problem.Weights.ToArray());
        Simulator.Run(workload, policy, new SimulationOptions(new ClusterShape(4, 8)) { RecordSteps = false });

        Assert.NotEmpty(weights);
        Assert.All(weights, w => Assert.True(w.Length >= 8, $"{w.Length} rows"));
        // Each planned row carries the weights of the steps it stands for: row 16, steps 16–31, each still likely uncorrected,
        // together outweigh row 1; the settings give row 16 (then the last) 0.6^15 ≈ 0.0005.
        Assert.All(weights, w => Assert.True(w[5] > w[1], $"row 16 weighs {w[5]:F3}, row 1 {w[1]:F3}"));
    }

    [Fact]
    public void Where_departures_are_frequent_the_plan_is_the_settings()
    {
        // Lives of 1–3 steps on 8 slots a rank: several departures per rank per step (p well above 0.51, where e^(−p) falls
        // below the settings' decay 0.6), so pacing changes nothing.
        var requests = Enumerable.Range(0, 400).Select(i => new Request(i, 100 + (i * 389) % 1900, 1 + i % 3, 1 + i % 3)).ToList();
        var workload = new Workload(requests, "short lives");

        var (paced, pacedRun) = LifeRowsTests.PlannedRows("bfio:route=0", workload);
        var (unpaced, unpacedRun) = LifeRowsTests.PlannedRows("bfio:route=0;pace=0", workload);

        Assert.Equal(unpaced, paced);
        Assert.Equal(unpacedRun.Admissions.Select(a => (a.RequestId, a.Rank)), pacedRun.Admissions.Select(a => (a.RequestId, a.Rank)));
    }

    [Fact]
    public void With_no_horizon_nothing_is_paced()
    {
        // h = 0 is the paper's H = 0 variant, the loads right after admission alone, even where departures are rare.
        var workload = ShapeGenerator.Generate(ShapeCatalog.Get("chat"), 256, seed: 3);

        var (rows, run) = LifeRowsTests.PlannedRows("bfio:route=0;h=0", workload);
        var (_, unpaced) = LifeRowsTests.PlannedRows("bfio:route=0;h=0;pace=0", workload);

        Assert.All(rows, r => Assert.Equal(1, r));
        Assert.Equal(unpaced.Admissions, run.Admissions);
    }

    /// <summary>
    /// Chat backlogs on 16 slots a rank (matrix cells: 8·G·B requests): a rank loses a request every ~11 steps, and a plan
    /// that fades within two steps fills freed ranks with whatever does not overshoot the envelope now. Paced, bfio balances
    /// them far better than unpaced (0.52–0.67× its imbalance on seeds 1–6), and over seeds 1 and 2 together better than
    /// the paper's BF-IO (72 undecayed rows), which unpaced bfio trailed by 1.35–1.8×, at a throughput within 1% of it or
    /// better. Seed by seed the runs are chaotic (a different rounding of one weight sends a run down another path: seed 2
    /// moved from 31,152 to 36,736 tokens when the rate's sum changed order), so the comparison with bfio-ref is over both.
    /// </summary>
    [Fact]
    public void Paced_bfio_balances_chat_backlogs_on_few_slots_better_than_unpaced_and_than_the_papers_bfio()
    {
        var shape = new ClusterShape(32, 16);
        var pacedImbalance = 0.0;
        var paperImbalance = 0.0;
        foreach (var seed in new[] { 1, 2 })
        {
            var workload = ShapeGenerator.Generate(ShapeCatalog.Get("chat"), 8 * shape.Ranks * shape.BatchSize, seed);
            RunSummary Run(string policy) =>
                Simulator.Run(workload, PolicyCatalog.Create(policy), new SimulationOptions(shape) { RecordSteps = false }).Summary;

            var paced = Run("bfio");
            var unpaced = Run("bfio:pace=0");
            var paper = Run("bfio-ref");

            Assert.True(paced.AvgImbalance < unpaced.AvgImbalance, $"seed {seed}: imbalance {paced.AvgImbalance:F0} against unpaced {unpaced.AvgImbalance:F0}");
            Assert.True(paced.BarrierIdleFraction < unpaced.BarrierIdleFraction,
                $"seed {seed}: barrier idle {paced.BarrierIdleFraction:F4} against unpaced {unpaced.BarrierIdleFraction:F4}");
            Assert.True(paced.Throughput >= 0.99 * paper.Throughput, $"seed {seed}: throughput {paced.Throughput:F0} against bfio-ref's {paper.Throughput:F0}");
            pacedImbalance += paced.AvgImbalance;
            paperImbalance += paper.AvgImbalance;
        }
        Assert.True(pacedImbalance < paperImbalance, $"imbalance {pacedImbalance:F0} against bfio-ref's {paperImbalance:F0} over both seeds");
    }
}
