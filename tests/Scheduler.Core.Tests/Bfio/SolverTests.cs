using FsCheck;
using FsCheck.Fluent;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

public sealed class SolverTests
{
    /// <summary>A random small decision: G ≤ 4 ranks with ≤ 4 free slots, ≤ 6 waiting requests, ≤ 5 rows.</summary>
    internal static PlacementProblem RandomProblem(int seed, int maxRanks = 4, int maxFree = 4, int maxCandidates = 6, int maxRows = 5,
        bool refill = false, int minCandidates = 1)
    {
        var rng = new Random(seed);
        var ranks = rng.Next(1, maxRanks + 1);
        var rows = rng.Next(1, maxRows + 1);
        var candidates = rng.Next(minCandidates, maxCandidates + 1);
        var p = new PlacementProblem();
        p.Reset(ranks, rows, candidates, refill);
        if (refill)
        {
            // Levels below, among and above the ranks' loads; none on some rows.
            var level = p.RefillColumn;
            for (var h = 0; h < rows; h++) level[h] = rng.Next(3) == 0 ? 0 : rng.Next(0, 3000);
        }
        p.Weights[0] = rng.NextDouble();
        for (var h = 1; h < rows; h++) p.Weights[h] = Math.Pow(0.7, h - 1);
        var totalFree = 0;
        for (var g = 0; g < ranks; g++)
        {
            var column = p.BaseColumn(g);
            double load = rng.Next(0, 2000);
            var active = rng.Next(0, 5);
            for (var h = 0; h < rows; h++)
            {
                column[h] = load + h * active;
                if (rng.Next(4) == 0) load = Math.Max(0, load - rng.Next(0, 800)); // a departure
            }
            p.Free(g) = rng.Next(0, maxFree + 1);
            totalFree += p.Free(g);
        }
        for (var i = 0; i < candidates; i++)
        {
            var prompt = rng.Next(3) == 0 ? rng.Next(500, 3000) : rng.Next(1, 400);
            var output = rng.Next(1, rows + 2);
            var profile = p.Profile(i);
            for (var h = 0; h < rows; h++) profile[h] = h < output ? prompt + h : 0;
        }
        p.AdmitCount = Math.Min(candidates, totalFree);
        for (var i = 0; i < candidates && i < p.AdmitCount; i++)
            if (rng.Next(6) == 0) p.Mandatory(i) = true;
        p.Seal();
        for (var i = 0; i < candidates; i++)
            if (rng.Next(4) == 0) p.Bonus(i) = rng.NextDouble() * (ranks - 1) * p.Reward(i);
        return p;
    }

    /// <summary>
    /// Whether two solvers (one form of a search against another that must decide alike) solve <paramref name="problem"/>
    /// alike: the same objective, every candidate on the same rank, the same exchanges applied and greedy rows costed.
    /// </summary>
    internal static bool SolveAlike(PlacementProblem problem, GreedyExchangeSolver a, GreedyExchangeSolver b)
    {
        var placedByA = new int[problem.Candidates];
        var placedByB = new int[problem.Candidates];
        var objectiveA = a.Solve(problem, placedByA);
        var objectiveB = b.Solve(problem, placedByB);
        return objectiveA == objectiveB && a.Exchanges == b.Exchanges && a.RowEvaluations == b.RowEvaluations
            && placedByA.AsSpan().SequenceEqual(placedByB);
    }

    /// <summary>
    /// Property over random decisions (<paramref name="problem"/> draws one from a seed and its generator): the solver
    /// <paramref name="form"/> makes and the one <paramref name="plain"/> makes solve alike (<see cref="SolveAlike"/>), each
    /// made for the draw's budget of evaluations: none in half the draws, 20–2,000 in the other half, small enough to cut
    /// the search short, so the two must count the same evaluations. Over the draws some exchange is applied, or the
    /// property would not have exercised the exchanges.
    /// </summary>
    internal static void ExchangesAlikeOnBudgets(Func<int, Random, PlacementProblem> problem,
        Func<long, GreedyExchangeSolver> form, Func<long, GreedyExchangeSolver> plain)
    {
        var exchanged = 0;
        Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            var drawn = problem(seed, rng);
            var budget = rng.Next(2) == 0 ? 0 : rng.Next(20, 2000);
            var solver = form(budget);
            var alike = SolveAlike(drawn, solver, plain(budget));
            exchanged += solver.Exchanges;
            return alike;
        }).QuickCheckThrowOnFailure();
        Assert.True(exchanged > 0, "no draw applied an exchange");
    }

    /// <summary>
    /// Two light requests and two heavy ones that have waited long (bonus 300 each), two free slots on ranks
    /// level with a full one (rows: 1). Light ones: imbalance 100. One heavy: 900 − 300 = 600, worse, so no
    /// single exchange leaves the light solution. Both heavy: the first lifts the maximum, the second fits
    /// under it: 500 − 600 = −100, the optimum.
    /// </summary>
    [Fact]
    public void The_heuristic_admits_waiting_requests_together_where_each_alone_would_not_pay()
    {
        var p = new PlacementProblem();
        p.Reset(ranks: 3, rows: 1, candidates: 4);
        p.Weights[0] = 1.0;
        for (var g = 0; g < 3; g++)
        {
            p.BaseColumn(g)[0] = 1000;
            p.Free(g) = g == 0 ? 0 : 1;
        }
        double[] sizes = [100, 100, 500, 500];
        for (var i = 0; i < 4; i++) p.Profile(i)[0] = sizes[i];
        p.AdmitCount = 2;
        p.Seal();
        p.Bonus(2) = p.Bonus(3) = 300;

        var heuristic = new int[4];
        var value = new GreedyExchangeSolver { ExactPolish = false }.Solve(p, heuristic);
        var optimum = new ExactPlacementSolver().Solve(p, new int[4]);
        Assert.Equal(-100, optimum, 9);
        Assert.Equal(optimum, value, 9);
        Assert.Equal(value, p.Evaluate(heuristic), 9);
        Assert.Equal([-1, -1], heuristic[..2]);
    }

    /// <summary>The fast solver's objective is its assignment's and the exact optimum; no candidate goes on a refill column.</summary>
    private static Property MatchesExactOptimum(int seed, bool refill)
    {
        var problem = RandomProblem(seed, refill: refill);
        var fast = new int[problem.Candidates];
        var exact = new int[problem.Candidates];
        var fastValue = new GreedyExchangeSolver().Solve(problem, fast);
        var exactValue = new ExactPlacementSolver().Solve(problem, exact);
        var tolerance = 1e-9 * Math.Max(1.0, Math.Abs(exactValue));
        return (Math.Abs(fastValue - problem.Evaluate(fast)) <= tolerance).Label("fast solver reports its own objective")
            .And((Math.Abs(fastValue - exactValue) <= tolerance).Label($"seed {seed}: fast {fastValue} vs exact {exactValue}"))
            .And(fast.All(g => g < problem.ScoredRanks).Label($"seed {seed}: a candidate placed on the refill column"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_fast_solver_matches_the_exact_optimum_on_every_small_instance_with_or_without_a_refill_level(bool refill) =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed => MatchesExactOptimum(seed, refill)).QuickCheckThrowOnFailure();

    /// <summary>
    /// Rank A (load 1,000) empties by the next step, rank B (800) keeps 750 of it; one request of 200 (201 next step),
    /// one slot on each, rows now and next, weights 1. Without refill, A's departure makes A look best ahead:
    /// A: (2·1,200 − 2,000) + (2·750 − 951) = 949, B: 0 + (2·951 − 951) = 951. With the refill level (now 1,800 in all,
    /// 750 left next step: 1,050 poured onto A, then both, level 900), the slot A frees is filled anyway:
    /// A: 400 + (2·900 − 951) = 1,249, B: 0 + (2·951 − 951) = 951, so the request goes where it balances now.
    /// </summary>
    [Fact]
    public void A_rank_emptied_by_departures_is_no_better_place_when_the_next_requests_refill_it_anyway()
    {
        foreach (var refill in new[] { false, true })
        {
            var p = new PlacementProblem();
            p.Reset(ranks: 2, rows: 2, candidates: 1, refill);
            p.Weights[0] = 1;
            p.Weights[1] = 1;
            p.BaseColumn(0)[0] = 1000;
            p.BaseColumn(0)[1] = 0;
            p.BaseColumn(1)[0] = 800;
            p.BaseColumn(1)[1] = 750;
            if (refill)
            {
                p.RefillColumn[0] = 0;
                p.RefillColumn[1] = Scheduler.Core.Policies.Routing.WaterFill.Level([0.0, 750.0], 0, 1, 2, 1800 - 750);
            }
            p.Free(0) = 1;
            p.Free(1) = 1;
            p.Profile(0)[0] = 200;
            p.Profile(0)[1] = 201;
            p.AdmitCount = 1;
            p.Seal();

            Assert.Equal(refill ? 1249 : 949, p.Evaluate([0]), 9);
            Assert.Equal(951, p.Evaluate([1]), 9);
            var rankOf = new int[1];
            new GreedyExchangeSolver().Solve(p, rankOf);
            Assert.Equal(refill ? 1 : 0, rankOf[0]);
        }
    }

    [Fact]
    public void The_fast_solver_admits_exactly_the_work_conserving_count_within_free_slots()
    {
        Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed =>
        {
            var problem = RandomProblem(seed, maxRanks: 8, maxFree: 6, maxCandidates: 30, maxRows: 8);
            var assignment = new int[problem.Candidates];
            new GreedyExchangeSolver().Solve(problem, assignment);
            return !double.IsPositiveInfinity(problem.Evaluate(assignment));
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>
    /// Every free slot held (the policy's problem then admits nothing): 300 candidates on 15 rows and no slot. The one
    /// assignment leaves them all queued; its search tree has a single leaf, yet branch and bound would first build its
    /// bounds, O(candidates² × rows), 5 ms a call at G=128. The fast solver returns it without polishing.
    /// </summary>
    [Fact]
    public void A_decision_that_admits_nothing_leaves_every_candidate_queued_without_branch_and_bound()
    {
        var p = new PlacementProblem();
        p.Reset(ranks: 4, rows: 15, candidates: 300);
        for (var h = 0; h < 15; h++) p.Weights[h] = Math.Pow(0.6, h);
        for (var g = 0; g < 4; g++)
        {
            for (var h = 0; h < 15; h++) p.BaseColumn(g)[h] = 1000 * (g + 1) + h;
            p.Free(g) = 0;
        }
        for (var i = 0; i < 300; i++)
            for (var h = 0; h < 15; h++) p.Profile(i)[h] = 100 + i + h;
        p.AdmitCount = 0;
        p.Seal();
        var assignment = new int[300];
        var solver = new GreedyExchangeSolver();
        var value = solver.Solve(p, assignment);
        Assert.All(assignment, rank => Assert.Equal(-1, rank));
        Assert.Equal(p.Evaluate(assignment), value);
        Assert.False(solver.PolishedExactly);
    }

    [Fact]
    public void The_exact_solver_fills_the_emptier_rank_with_the_larger_request()
    {
        var p = new PlacementProblem();
        p.Reset(ranks: 2, rows: 1, candidates: 2);
        p.Weights[0] = 1;
        p.BaseColumn(0)[0] = 1000;
        p.BaseColumn(1)[0] = 400;
        p.Free(0) = 1;
        p.Free(1) = 1;
        p.Profile(0)[0] = 100;
        p.Profile(1)[0] = 700;
        p.AdmitCount = 2;
        p.Seal();
        var assignment = new int[2];
        var value = new ExactPlacementSolver().Solve(p, assignment);
        Assert.Equal([0, 1], assignment);
        Assert.Equal(2 * 1100 - (1100 + 1100), value);
    }

    [Fact]
    public void Infeasible_assignments_are_valued_at_infinity()
    {
        var p = RandomProblem(3);
        var nobody = Enumerable.Repeat(-1, p.Candidates).ToArray();
        if (p.AdmitCount > 0) Assert.True(double.IsPositiveInfinity(p.Evaluate(nobody)));
    }
}
