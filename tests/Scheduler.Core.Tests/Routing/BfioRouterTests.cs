using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;
using Scheduler.Core.Policies.Routing;
using Scheduler.Core.Simulation;
using Scheduler.Core.Tests.Workloads;
using Scheduler.Core.Workloads;

namespace Scheduler.Core.Tests.Routing;

/// <summary>BF-IO's arrival router: the rank where a request adds the least projected imbalance, never a wait for it
/// where a rank has room, and its place among the production routers on generated timed workloads.</summary>
public sealed class BfioRouterTests
{
    /// <summary>A cluster whose requests have the given (prompt, output) and ô = o (the oracle's view).</summary>
    private static ClusterState Cluster(int ranks, int batch, params (int Prompt, int Output)[] requests)
    {
        var state = new ClusterState(new ClusterShape(ranks, batch), binding: BindingMode.Arrival);
        for (var i = 0; i < requests.Length; i++) state.AddRequest(new Request(i, requests[i].Prompt, requests[i].Output, requests[i].Output));
        return state;
    }

    /// <summary>Setup: binds the next requests to the given ranks, admits, then runs <paramref name="steps"/> steps.</summary>
    private static void Run(ClusterState state, int steps, params int[] ranks)
    {
        foreach (var rank in ranks) state.Bind(state.RevealForRouting(), rank);
        state.AdmitFromBoundQueues();
        var finished = new List<int>();
        for (var k = 0; k < steps; k++) state.AdvanceStep(0.01, finished);
    }

    private static int RouteNext(ClusterState state, IArrivalRouter router)
    {
        var id = state.RevealForRouting();
        var rank = router.Route(state, id);
        state.Bind(id, rank);
        return rank;
    }

    private static BfioRouter Oracle() => new(new OraclePredictor());

    [Fact]
    public void An_idle_rank_takes_the_request_over_a_busy_one()
    {
        // Rank 0 decodes a long request; rank 1 is idle. Whichever is listed first, the idle one wins.
        var state = Cluster(2, 4, (500, 200), (300, 50));
        Run(state, 1, 0);

        Assert.Equal(1, RouteNext(state, Oracle()));

        var mirrored = Cluster(2, 4, (500, 200), (300, 50));
        Run(mirrored, 1, 1);
        Assert.Equal(0, RouteNext(mirrored, Oracle()));
    }

    [Fact]
    public void Of_two_equally_loaded_ranks_it_prefers_the_one_whose_requests_depart_soonest()
    {
        // Both ranks hold 2 × 400 tokens now; rank 0's requests run 300 more steps, rank 1's leave in 5. A long
        // request added to rank 0 lifts the envelope for its whole life; on rank 1 it fills the room they leave.
        var state = Cluster(2, 4, (400, 300), (400, 300), (400, 5), (400, 5), (400, 200));
        Run(state, 0, 0, 0, 1, 1);

        Assert.Equal(1, RouteNext(state, Oracle()));

        // The same with the ranks swapped, so the index is not what decides.
        var swapped = Cluster(2, 4, (400, 5), (400, 5), (400, 300), (400, 300), (400, 200));
        Run(swapped, 0, 0, 0, 1, 1);
        Assert.Equal(0, RouteNext(swapped, Oracle()));
    }

    [Fact]
    public void Where_the_request_fits_under_the_envelope_on_several_ranks_it_takes_the_one_whose_peak_during_its_stay_is_lowest()
    {
        // Rank 2 is full and sets the envelope (4 × 3000 tokens for 1000 steps). Rank 0 holds 3000 tokens that leave in
        // 100 steps, rank 1 holds 1000 tokens for 1000 steps: over the new request's 640 steps rank 0's mean load is the
        // lower, but its peak (≈3000, now) is far above rank 1's (≈1600). The request fits under the envelope on both;
        // the router takes the rank whose highest point during its stay is lowest.
        var state = Cluster(3, 4, (3000, 1000), (3000, 1000), (3000, 1000), (3000, 1000), (3000, 100), (1000, 1000), (100, 640));
        Run(state, 0, 2, 2, 2, 2, 0, 1);

        Assert.Equal(1, RouteNext(state, Oracle()));

        // The same with ranks 0 and 1 swapped, so the index is not what decides.
        var swapped = Cluster(3, 4, (3000, 1000), (3000, 1000), (3000, 1000), (3000, 1000), (3000, 100), (1000, 1000), (100, 640));
        Run(swapped, 0, 2, 2, 2, 2, 1, 0);
        Assert.Equal(0, RouteNext(swapped, Oracle()));
    }

    [Fact]
    public void Room_that_departures_leave_counts_as_filled_by_the_arrivals_still_to_come()
    {
        // Rank 0 holds 2 × 1000 tokens leaving in 10 steps; rank 1 holds 1000 tokens and rank 2 1200, both for 1000
        // steps. Taken alone, the projection shows rank 0 empty from step 10 on, and the new request (500 tokens for
        // 600 steps) would fit there under the envelope for nearly all its life, only rising above it now. But the
        // arrivals still to come keep the total where it stands and fill the lowest ranks first, so rank 0 will not
        // stay empty: its emptiness is not the request's to take. Rank 1 is the one it fits on without a rise now.
        var state = Cluster(3, 4, (1000, 10), (1000, 10), (1000, 1000), (1200, 1000), (500, 600));
        Run(state, 0, 0, 0, 1, 2);

        Assert.Equal(1, RouteNext(state, Oracle()));

        var swapped = Cluster(3, 4, (1000, 1000), (1000, 10), (1000, 10), (1200, 1000), (500, 600));
        Run(swapped, 0, 0, 1, 1, 2);
        Assert.Equal(0, RouteNext(swapped, Oracle()));
    }

    [Fact]
    public void Rows_lie_one_per_doubling_of_the_steps_ahead_up_to_the_horizon()
    {
        Assert.Equal([0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], BfioRouter.RowOffsets(BfioRouter.DefaultHorizon));
        Assert.Equal([0, 1, 2, 4], BfioRouter.RowOffsets(5));
        Assert.Equal([0], BfioRouter.RowOffsets(1));
    }

    [Fact]
    public void When_every_rank_is_full_it_queues_where_a_slot_frees_first()
    {
        // B = 1 and both ranks busy with equal loads: rank 0 frees in 40 steps, rank 1 in 10.
        var state = Cluster(2, 1, (100, 40), (100, 10), (100, 30));
        Run(state, 0, 0, 1);

        Assert.Equal(1, RouteNext(state, Oracle()));
    }

    [Fact]
    public void It_never_sends_a_request_to_wait_where_an_equally_loaded_rank_has_room_now()
    {
        // Rank 0 is full (2 × 100 tokens), rank 1 holds one request of 200: the same load, the same departures; only
        // rank 1 can start the request now.
        var state = Cluster(2, 2, (100, 50), (100, 50), (200, 50), (100, 50));
        Run(state, 0, 0, 0, 1);

        Assert.Equal(1, RouteNext(state, Oracle()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Where_some_rank_has_room_the_request_starts_at_once(int seed)
    {
        // Random states: whenever a rank could start the request now (more free slots than requests queued for
        // them), the router picks such a rank, whatever the loads and predictions elsewhere.
        var random = new Random(seed);
        var requests = Enumerable.Range(0, 400).Select(_ => (random.Next(10, 3000), random.Next(1, 400))).ToArray();
        var state = Cluster(6, 4, requests);
        var router = Oracle();
        var finished = new List<int>();
        var checkedRoom = 0;
        for (var n = 0; n < 300; n++)
        {
            var roomNow = Enumerable.Range(0, 6).Where(g => state.FreeSlots(g) > state.BoundCount(g)).ToHashSet();
            var rank = RouteNext(state, router);
            if (roomNow.Count > 0)
            {
                Assert.Contains(rank, roomNow);
                checkedRoom++;
            }
            if (random.Next(3) == 0)
            {
                state.AdmitFromBoundQueues();
                state.AdvanceStep(0.01, finished);
            }
        }
        Assert.True(checkedRoom > 20, $"only {checkedRoom} decisions had room somewhere");
    }

    [Fact]
    public void The_online_predictor_names_no_length_before_anything_finished_then_the_mean_left_at_the_age_reached()
    {
        // Every request decodes 20 tokens from a 100-token prompt. Before any finished the router is told "unknown";
        // after a run it expects 20 steps for a new request and 15 for one that has decoded 5.
        var predictor = new OnlineSurvivalPredictor();
        var probe = Cluster(1, 4, (100, 20));
        Assert.Equal(IOutputPredictor.Unknown, predictor.PredictedRemaining(probe, 0));

        var requests = Enumerable.Range(0, 300).Select(i => new Request(i, 100, 20, 20, i * 0.01)).ToArray();
        var options = new SimulationOptions(new ClusterShape(2, 4)) { Arrivals = ArrivalMode.Trace, Binding = BindingMode.Arrival };
        Simulator.Run(new Workload(requests, "twenty"), new BfioRouter(predictor), options);

        Assert.Equal(20, predictor.PredictedRemaining(probe, 0));
        Run(probe, 5, 0);
        Assert.Equal(15, predictor.PredictedRemaining(probe, 0));
    }

    [Fact]
    public void The_same_run_routes_the_same_way()
    {
        var workload = ShapeGenerator.Generate(ShapeCatalog.Mixed, 500, seed: 5, ratePerSecond: 60);
        var options = new SimulationOptions(new ClusterShape(4, 8)) { Arrivals = ArrivalMode.Trace, Binding = BindingMode.Arrival };

        int[] Ranks(string spec) => Simulator.Run(workload, ArrivalRouterCatalog.Create(spec), options)
            .Admissions.OrderBy(a => a.RequestId).Select(a => a.Rank).ToArray();

        Assert.Equal(Ranks("bfio"), Ranks("bfio"));
        Assert.Equal(Ranks("bfio:predictor=online"), Ranks("bfio:predictor=online"));
    }

    [Theory]
    [InlineData("bfio", "oracle", BfioRouter.DefaultHorizon)]
    [InlineData("bfio:predictor=online;h=64", "online", 64)]
    [InlineData("bfio:predictor=noisy;noise=0.3", "noisy", BfioRouter.DefaultHorizon)]
    [InlineData("bfio:predictor=none", "none", BfioRouter.DefaultHorizon)]
    public void Arrival_bfio_is_this_router_with_the_pool_bfio_predictors(string spec, string predictor, int horizon)
    {
        var router = Assert.IsType<BfioRouter>(ArrivalRouterCatalog.Create(spec));

        Assert.Equal(predictor, router.Predictor.Name);
        Assert.Equal(horizon, router.Horizon);
        Assert.Equal(spec, router.Name);
    }

    [Theory]
    [InlineData("bfio:predictor=magic", "predictor")]
    [InlineData("bfio:horizon=8", "unknown key 'horizon'")]
    [InlineData("bfio:h=0", "h=0")]
    [InlineData("bfio:noise=2", "noise=2")]
    [InlineData("bfio:wait=-1", "wait=-1")]
    public void Unknown_keys_and_bad_values_are_refused(string spec, string expected)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => ArrivalRouterCatalog.Create(spec));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void On_loaded_timed_workloads_it_balances_better_than_the_routers_that_read_no_tokens()
    {
        // Against routers that read no load (round-robin, random) or only request counts (sglang-requests), seeing the
        // tokens and their future must pay off in imbalance, with the oracle and with the online predictor: in the
        // geometric mean over five generated cells at loads ≥ 0.8, and in most cells. (Not in every cell: one run of
        // 1024 requests is noisy at overload, where the oracle bfio lost bursty at 1.2 to random by 9% here. Against the routers
        // that read tokens, sglang-tokens and p2c, it wins most cells but not all: see the report.)
        (string Shape, double Load, int Seed)[] cells =
            [("chat", 1.0, 11), ("bursty", 1.2, 12), ("code", 0.8, 13), ("mixed", 1.0, 14), ("long-context", 1.2, 15)];
        string[] bfio = ["bfio", "bfio:predictor=online"];
        string[] others = ["round-robin", "random", "sglang-requests"];
        var logRatio = new Dictionary<(string, string), double>();
        var wins = new Dictionary<(string, string), int>();
        foreach (var (shape, load, seed) in cells)
        {
            var imbalance = bfio.Concat(others).ToDictionary(spec => spec, spec => Imbalance(shape, load, seed, spec));
            foreach (var ours in bfio)
            foreach (var other in others)
            {
                logRatio[(ours, other)] = logRatio.GetValueOrDefault((ours, other)) + Math.Log(imbalance[ours] / imbalance[other]);
                wins[(ours, other)] = wins.GetValueOrDefault((ours, other)) + (imbalance[ours] < imbalance[other] ? 1 : 0);
            }
        }
        foreach (var ((ours, other), sum) in logRatio)
        {
            Assert.True(Math.Exp(sum / cells.Length) < 0.9, $"{ours} vs {other}: geometric mean ratio {Math.Exp(sum / cells.Length):F3}");
            Assert.True(wins[(ours, other)] >= cells.Length - 1, $"{ours} vs {other}: {wins[(ours, other)]} of {cells.Length} cells");
        }
    }

    private static double Imbalance(string shape, double load, int seed, string spec)
    {
        var options = new SimulationOptions(TimedCell.Shape) { Arrivals = ArrivalMode.Trace, Binding = BindingMode.Arrival };
        return Simulator.Run(TimedCell.Requests(shape, load, seed), ArrivalRouterCatalog.Create(spec), options).Summary.AvgImbalance;
    }
}
