using Scheduler.Core.CostModels;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;

namespace Scheduler.Core.Tests.Simulation;

/// <summary>The step semantics of SPEC §2 on instances small enough to work out by hand.</summary>
public sealed class SimulatorTests
{
    // Round numbers make the hand computation exact: 1 s per step plus 0.01 s per token of the largest rank.
    private static readonly AffineCost Cost = new(1.0, 0.0, 0.01);

    private static SimulationResult Run(IEnumerable<Request> requests, int ranks, int batch, ArrivalMode arrivals = ArrivalMode.Backlog, IStepCostModel? cost = null) =>
        Simulator.Run(new Workload(requests, "test"), new FcfsPolicy(),
            new SimulationOptions(new ClusterShape(ranks, batch)) { CostModel = cost ?? Cost, Arrivals = arrivals });

    [Fact]
    public void Every_active_request_grows_by_one_token_per_step_and_leaves_when_its_output_is_done()
    {
        var result = Run([new Request(0, 10, 2, 2), new Request(1, 20, 1, 1)], ranks: 1, batch: 2);

        // Step 1 starts at L = 30: lasts 1.3 s; both generate, request 1 is done, request 0 holds 10 + 1.
        // Step 2 starts at L = 11: lasts 1.11 s; request 0 is done.
        Assert.Equal(2, result.Summary.Steps);
        Assert.Equal(1.3, result.Steps[0].Duration, 12);
        Assert.Equal(11, result.Steps[0].TotalLoad);
        Assert.Equal(1, result.Steps[0].Finished);
        Assert.Equal(1.11, result.Steps[1].Duration, 12);
        Assert.Equal(0, result.Steps[1].TotalLoad);
        Assert.Equal(2.41, result.FinalState.FinishTime(0), 12);
        Assert.Equal(1.3, result.FinalState.FinishTime(1), 12);
        Assert.Equal(1.3, result.FinalState.FirstTokenTime(0), 12);
    }

    [Fact]
    public void Imbalance_is_g_times_max_load_minus_total_load_after_completions()
    {
        var result = Run([new Request(0, 100, 5, 5), new Request(1, 40, 5, 5)], ranks: 2, batch: 1);

        // After step 1: loads 101 and 41 → 2·101 − 142 = 60.
        Assert.Equal(60, result.Steps[0].Imbalance);
        Assert.Equal(101, result.Steps[0].MaxLoad);
    }

    [Fact]
    public void Barrier_idle_is_the_time_faster_ranks_wait_for_the_slowest()
    {
        var result = Run([new Request(0, 100, 1, 1), new Request(1, 40, 1, 1)], ranks: 2, batch: 1);

        // Rank times 2.0 s and 1.4 s, step 2.0 s: idle 0.6 of 4.0 rank-seconds.
        Assert.Equal(0.6, result.Steps[0].BarrierIdleSeconds, 12);
        Assert.Equal(0.15, result.Summary.BarrierIdleFractionAll, 12);
    }

    [Fact]
    public void A_request_waits_in_the_queue_until_a_slot_frees_up()
    {
        var result = Run([new Request(0, 10, 1, 1), new Request(1, 10, 1, 1)], ranks: 1, batch: 1);

        var state = result.FinalState;
        Assert.Equal(0.0, state.StartTime(0));
        Assert.Equal(1.1, state.StartTime(1), 12);
        Assert.Equal(1, result.Admissions[1].Step);
        // Queue delays {0, 1.1}: percentiles interpolate linearly between them.
        Assert.Equal(0.55, result.Summary.QueueDelayP50, 12);
        Assert.Equal(1.1 * 0.99, result.Summary.QueueDelayP99, 12);
    }

    [Fact]
    public void With_timed_arrivals_an_idle_cluster_waits_for_the_next_request()
    {
        var result = Run([new Request(0, 10, 1, 1, 0.0), new Request(1, 10, 1, 1, 5.0)], ranks: 1, batch: 1, ArrivalMode.Trace);

        var state = result.FinalState;
        Assert.Equal(1.1, state.FinishTime(0), 12);
        Assert.Equal(5.0, state.StartTime(1));
        Assert.Equal(6.1, state.FinishTime(1), 12);
        Assert.Equal(0.0, state.StartTime(1) - state.ArrivalSeconds(1));
        Assert.Equal(2, result.Summary.Steps);
    }

    [Fact]
    public void Timed_arrivals_do_not_reveal_a_request_before_it_arrives()
    {
        var result = Run([new Request(0, 10, 3, 3, 0.0), new Request(1, 10, 1, 1, 1.5)], ranks: 1, batch: 2, ArrivalMode.Trace);

        // Steps end at 1.1, 2.21, 3.32: request 1 arrives at 1.5 and is admitted at the end of step 2.
        Assert.Equal(2.21, result.FinalState.StartTime(1), 12);
        Assert.Equal(new Admission(2, 1, 0), result.Admissions[1]);
    }

    [Fact]
    public void The_reference_cost_model_sets_each_step_by_the_largest_rank_load()
    {
        var reference = ReferenceLinearCost.ForBatch(72);
        var result = Run([new Request(0, 1000, 1, 1), new Request(1, 10, 1, 1)], ranks: 2, batch: 1, cost: reference);

        Assert.Equal(reference.OverheadSeconds + reference.TokenSeconds * 1000, result.Steps[0].Duration);
    }

    [Fact]
    public void A_policy_that_admits_nothing_on_an_idle_cluster_is_reported_not_looped()
    {
        var workload = new Workload([new Request(0, 10, 1, 1)], "test");
        var error = Assert.Throws<InvalidOperationException>(() =>
            Simulator.Run(workload, new IdlePolicy(), new SimulationOptions(new ClusterShape(1, 1))));
        Assert.Contains("admitted nothing", error.Message);
    }

    private sealed class IdlePolicy : IPlacementPolicy
    {
        public string Name => "idle";
        public void Place(ClusterView state) { }
    }

    [Fact]
    public void Energy_per_token_charges_compute_at_full_power_and_the_wait_at_the_barrier_at_idle_power()
    {
        // One step: rank 0 computes 1 + 0.01·100 = 2.0 s, rank 1 1 + 0.01·40 = 1.4 s and waits 0.6 s; two tokens.
        var result = Run([new Request(0, 100, 1, 1), new Request(1, 40, 1, 1)], ranks: 2, batch: 1);

        Assert.Equal(1, result.Summary.Steps);
        Assert.Equal((400.0 * 3.4 + 100.0 * 0.6) / 2, result.Summary.EnergyPerToken, 9);
    }
}
