using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>bfio's buffers grow once per doubling, so a decision whose sizes creep does not allocate inside the call.</summary>
public sealed class BufferGrowthTests
{
    /// <summary>A G=128 ramp's sizes: 128 ranks, 14 planned rows (16 with life rows to 16,384 steps), a window of about 512
    /// candidates.</summary>
    private static PlacementProblem RampProblem(int candidates, int seed, int rows = 14)
    {
        const int ranks = 128;
        var rng = new Random(seed);
        var p = new PlacementProblem();
        p.Reset(ranks, rows, candidates);
        for (var h = 0; h < rows; h++) p.Weights[h] = h == 0 ? 1.0 : Math.Pow(0.6, h - 1);
        for (var g = 0; g < ranks; g++)
        {
            var column = p.BaseColumn(g);
            var load = rng.Next(0, 20_000);
            for (var h = 0; h < rows; h++) column[h] = load + h;
            p.Free(g) = 4;
        }
        for (var i = 0; i < candidates; i++)
        {
            var prompt = rng.Next(50, 4000);
            var output = rng.Next(1, 2 * rows);
            var profile = p.Profile(i);
            for (var h = 0; h < rows; h++) profile[h] = h < output ? prompt + h : 0;
        }
        p.AdmitCount = candidates;
        p.Seal();
        return p;
    }

    /// <summary>
    /// 507 candidates, then 510 on the same 14 rows: padded to the SIMD width, rows × candidates goes 7,112 → 7,168, within
    /// the power of two the first solve grew to, so the second solve allocates nothing (growing to the exact length, as the
    /// solver did, regrew a dozen buffers there: 0.5–0.9 ms inside a G=128 decision).
    /// </summary>
    [Fact]
    public void A_solve_a_few_candidates_larger_allocates_nothing()
    {
        var first = RampProblem(507, seed: 1);
        var next = RampProblem(510, seed: 2);
        var placed = new int[next.Candidates];
        // Each try a fresh solver, grown by the first problem: a buffer regrown for the second would allocate in every try.
        ThreadAllocations.AssertNone(() =>
        {
            var solver = new GreedyExchangeSolver();
            solver.Solve(first, new int[first.Candidates]);
            Array.Fill(placed, -1);
            return () => solver.Solve(next, placed);
        });
        Assert.All(placed, g => Assert.InRange(g, 0, 127)); // every candidate admitted: the solve did its work
    }

    /// <summary>
    /// A solver reserved for G=128, 16 rows and 512 candidates (what bfio's Prepare reserves there) solves a ramp call of
    /// that size without allocating: every buffer a solve reads, the fill's blocks and the exchanges' rank lanes included,
    /// was grown ahead. Without the reservation the same solve allocates them (and, in a process, first touches them):
    /// 1.1–1.3 ms of a G=128 decision.
    /// </summary>
    [Fact]
    public void A_solver_reserved_for_the_largest_problem_solves_it_without_allocating()
    {
        var problem = RampProblem(512, seed: 3, rows: 16);
        new GreedyExchangeSolver().Solve(RampProblem(512, seed: 4, rows: 16), new int[512]); // every path compiled
        var placed = new int[problem.Candidates];

        var reserved = new GreedyExchangeSolver();
        ThreadAllocations.AssertNone(() =>
        {
            reserved = new GreedyExchangeSolver();
            reserved.Reserve(128, 16, 512);
            return () => reserved.Solve(problem, placed);
        });
        Assert.True(reserved.BlocksRead > 0, "the fill read its view by blocks: the blocks' buffers were used");

        var unreserved = new GreedyExchangeSolver();
        var before = GC.GetAllocatedBytesForCurrentThread();
        unreserved.Solve(problem, new int[problem.Candidates]);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before > 16 * 512 * sizeof(double));
    }

    /// <summary>
    /// Long outputs behind short prompts: once generated tokens make most of the running load, bfio plans on life rows
    /// (6 planned rows become up to 16). Prepared for the cluster (as PlacementLoop prepares every policy), no decision of
    /// the run grows a buffer; unprepared, the decisions grow them, the first one and the one where life rows start.
    /// </summary>
    [Fact]
    public void A_prepared_bfio_grows_no_buffer_when_its_plan_reaches_life_rows()
    {
        var shape = new ClusterShape(8, 16);
        var requests = Enumerable.Range(0, 600)
            .Select(i => new Request(i, 40 + 53 * (i % 7), 120 + 97 * (i % 11), 120 + 97 * (i % 11)))
            .ToArray();
        var workload = new Workload(requests, "life-rows");

        var (prepared, rowsPrepared) = GrownDeciding(workload, shape, prepare: true);
        var (unprepared, rowsUnprepared) = GrownDeciding(workload, shape, prepare: false);

        Assert.Equal(rowsUnprepared, rowsPrepared);
        Assert.True(rowsPrepared > 6, $"the plan never reached life rows ({rowsPrepared} rows at most)");
        Assert.Equal(0, prepared);
        Assert.True(unprepared > 0);
    }

    /// <summary>Runs bfio over the backlog on this thread: the buffers its decisions grew, and the most rows it planned on.</summary>
    private static (long Grown, int MostRows) GrownDeciding(Workload workload, ClusterShape shape, bool prepare)
    {
        var policy = (BfioPolicy)PolicyCatalog.Create("bfio");
        if (prepare) policy.Prepare(shape);
        var state = new ClusterState(workload, shape, recordAdmissions: false);
        var finished = new List<int>();
        var grown = 0L;
        var mostRows = 0;
        while (!state.AllFinished)
        {
            state.RevealUpTo(shape.RevealWindow);
            if (state.QueueCount > 0)
            {
                state.BeginPolicyCall();
                var before = Buffers.GrownOnThisThread;
                policy.Place(state);
                grown += Buffers.GrownOnThisThread - before;
                mostRows = Math.Max(mostRows, policy.LastProblem.Rows);
                state.CompactQueue();
            }
            finished.Clear();
            state.AdvanceStep(0.01, finished);
        }
        return (grown, mostRows);
    }

    /// <summary>
    /// Life rows reach 16,384 steps ahead on 16 planned rows: the plan takes buffers for those and for the horizon's decayed
    /// rows, not for every step ahead (3 × 16,385 entries, about 390 KB on the large-object heap, at each longer life).
    /// </summary>
    [Fact]
    public void Planning_life_rows_to_16384_steps_allocates_for_the_planned_rows_only()
    {
        var planned = new PlannedRows();
        var count = 0;
        // The least of three fresh plans: the runtime may allocate on this thread once while it recompiles (ThreadAllocations).
        var allocated = ThreadAllocations.Measure(() =>
        {
            planned = new PlannedRows();
            return () => count = planned.Plan(16_385, nowWeight: 1.0, decay: 0.6, horizon: 16, lifeWeight: 0.5, sample: true);
        }, tries: 3).Min();
        Assert.Equal(16, count);
        Assert.Equal(16_384, planned.Rows[^1]);
        Assert.InRange(allocated, 1, 2_048);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7_112, 8_192)]
    [InlineData(7_168, 8_192)]
    [InlineData(8_192, 8_192)]
    [InlineData(8_193, 16_384)]
    public void Buffers_grow_to_the_power_of_two_at_or_above_the_length(int length, int capacity)
    {
        Assert.Equal(capacity, Buffers.Capacity(length));
        var array = new double[7_000];
        Buffers.Ensure(ref array, length);
        Assert.Equal(length <= 7_000 ? 7_000 : capacity, array.Length); // a buffer long enough is kept
    }
}
