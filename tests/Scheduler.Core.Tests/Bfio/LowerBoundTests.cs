using FsCheck;
using FsCheck.Fluent;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

public sealed class LowerBoundTests
{
    /// <summary>
    /// <see cref="SolverTests.RandomProblem"/>, and for odd seeds with fewer admissions than the work-conserving
    /// count (never fewer than its mandatory candidates), so sets of different sizes compete.
    /// </summary>
    private static PlacementProblem RandomProblem(int seed, bool refill = false)
    {
        var p = SolverTests.RandomProblem(seed, refill: refill);
        if (seed % 2 == 1 && p.AdmitCount > 0)
        {
            var mandatory = 0;
            for (var i = 0; i < p.Candidates; i++) if (p.Mandatory(i)) mandatory++;
            p.AdmitCount = new Random(seed).Next(mandatory, p.AdmitCount + 1);
            p.Seal();
        }
        return p;
    }

    private static double Tolerance(PlacementProblem p, double value) =>
        1e-9 * Math.Max(Math.Abs(value), HeuristicGapTests.Scale(p));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_bound_never_exceeds_the_exact_optimum_with_or_without_a_refill_level(bool refill)
    {
        Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed =>
        {
            var problem = RandomProblem(seed, refill);
            var optimum = new ExactPlacementSolver().Solve(problem, new int[problem.Candidates]);
            var bound = PlacementLowerBound.Compute(problem);
            return (bound <= optimum + Tolerance(problem, optimum)).Label($"seed {seed}: bound {bound} > optimum {optimum}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    [Fact]
    public void The_bound_never_exceeds_the_fast_solvers_objective()
    {
        Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed =>
        {
            var problem = RandomProblem(seed);
            var found = new GreedyExchangeSolver().Solve(problem, new int[problem.Candidates]);
            var bound = PlacementLowerBound.Compute(problem);
            return (bound <= found + Tolerance(problem, found)).Label($"seed {seed}: bound {bound} > solver's {found}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    [Fact]
    public void The_bound_is_tight_where_one_row_can_be_levelled_and_the_heaviest_bonuses_go_with_it()
    {
        // Ranks at 1000 and 400, one slot each; admit 2 of {100, 700, 50}: 700 joins the 400-rank and 100 the
        // 1000-rank, both end at 1100 (imbalance 0), and those two also carry the largest bonuses.
        var p = new PlacementProblem();
        p.Reset(ranks: 2, rows: 1, candidates: 3);
        p.Weights[0] = 1;
        p.BaseColumn(0)[0] = 1000;
        p.BaseColumn(1)[0] = 400;
        p.Free(0) = 1;
        p.Free(1) = 1;
        p.Profile(0)[0] = 100;
        p.Profile(1)[0] = 700;
        p.Profile(2)[0] = 50;
        p.AdmitCount = 2;
        p.Seal();
        p.Bonus(0) = 30;
        p.Bonus(1) = 20;
        p.Bonus(2) = 10;

        var optimum = new ExactPlacementSolver().Solve(p, new int[3]);

        Assert.Equal(-50, optimum, 9);
        Assert.Equal(optimum, PlacementLowerBound.Compute(p), 9);
    }

    [Fact]
    public void The_bound_counts_that_a_rank_takes_no_more_candidates_than_it_has_free_slots()
    {
        // A full rank at 1000, two ranks at 0 and 500 with one slot each, two requests of 600. Split freely the
        // 1200 tokens would fit under 1000 (bound 300); one request per rank lifts the 500-rank to 1100.
        var p = new PlacementProblem();
        p.Reset(ranks: 3, rows: 1, candidates: 2);
        p.Weights[0] = 1;
        p.BaseColumn(0)[0] = 1000;
        p.BaseColumn(1)[0] = 0;
        p.BaseColumn(2)[0] = 500;
        p.Free(0) = 0;
        p.Free(1) = 1;
        p.Free(2) = 1;
        p.Profile(0)[0] = 600;
        p.Profile(1)[0] = 600;
        p.AdmitCount = 2;
        p.Seal();

        var optimum = new ExactPlacementSolver().Solve(p, new int[2]);

        Assert.Equal(3 * 1100 - (1000 + 600 + 1100), optimum, 9);
        Assert.Equal(optimum, PlacementLowerBound.Compute(p), 9);
    }

    [Fact]
    public void With_nothing_to_admit_the_bound_is_the_objective_of_the_base_loads()
    {
        var p = SolverTests.RandomProblem(11);
        for (var i = 0; i < p.Candidates; i++) p.Mandatory(i) = false;
        p.AdmitCount = 0;
        p.Seal();

        var untouched = p.Evaluate(Enumerable.Repeat(-1, p.Candidates).ToArray());

        Assert.Equal(untouched, PlacementLowerBound.Compute(p), 9);
    }

    [Fact]
    public void Without_candidates_the_bound_is_the_objective_of_the_base_loads()
    {
        var p = new PlacementProblem();
        p.Reset(ranks: 2, rows: 2, candidates: 0);
        p.Weights[0] = 1;
        p.Weights[1] = 0.5;
        p.BaseColumn(0)[0] = 10; p.BaseColumn(0)[1] = 20;
        p.BaseColumn(1)[0] = 30; p.BaseColumn(1)[1] = 5;
        p.Free(0) = 1;
        p.Seal();

        Assert.Equal(p.Evaluate([]), PlacementLowerBound.Compute(p), 9);
    }

    [Fact]
    public void Computing_the_bound_allocates_nothing_once_warm()
    {
        var p = SolverTests.RandomProblem(5, maxRanks: 32, maxFree: 8, maxCandidates: 128, maxRows: 6);
        PlacementLowerBound.Compute(p);
        ThreadAllocations.AssertNone(() => () =>
        {
            for (var k = 0; k < 100; k++) PlacementLowerBound.Compute(p);
        });
    }
}
