using Scheduler.Core.Policies.Bfio;
using Xunit.Abstractions;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>How good the greedy-and-exchange heuristic is on its own, without the exact polish.</summary>
public sealed class HeuristicGapTests(ITestOutputHelper output)
{
    [Fact]
    public void The_heuristic_alone_is_optimal_on_most_small_instances_and_never_infeasible()
    {
        const int instances = 2000;
        int optimal = 0;
        double sumGap = 0, worst = 0;
        var heuristic = new GreedyExchangeSolver { ExactPolish = false };
        var exact = new ExactPlacementSolver();
        for (var seed = 0; seed < instances; seed++)
        {
            var p = SolverTests.RandomProblem(seed);
            var a = new int[p.Candidates];
            var b = new int[p.Candidates];
            var found = heuristic.Solve(p, a);
            var best = exact.Solve(p, b);
            Assert.False(double.IsPositiveInfinity(p.Evaluate(a)), $"seed {seed}: infeasible");
            Assert.True(found >= best - 1e-9 * Math.Max(1, Math.Abs(best)), $"seed {seed}: beat the exact solver");
            // Gap relative to the instance's scale: G·Σ w·max load (objectives near zero make ratios meaningless).
            var gap = (found - best) / Scale(p);
            if (gap <= 1e-12) optimal++;
            sumGap += gap;
            worst = Math.Max(worst, gap);
        }
        output.WriteLine($"optimal on {optimal}/{instances}; mean gap {sumGap / instances:P3}, worst {worst:P2} of G·Σw·max load");
        Assert.True(optimal >= instances * 8 / 10, $"optimal on only {optimal}/{instances}");
    }

    internal static double Scale(PlacementProblem p)
    {
        var scale = 0.0;
        for (var h = 0; h < p.Rows; h++)
        {
            var max = 1.0;
            for (var g = 0; g < p.Ranks; g++) max = Math.Max(max, p.BaseColumn(g)[h]);
            scale += p.Weights[h] * p.Ranks * max;
        }
        return Math.Max(1.0, scale);
    }
}
