using System.Diagnostics;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Cli.Commands;

/// <summary>One solved BF-IO decision: its size, the solver's objective, the lower bound and, where the exact
/// solver was run, its value (the optimum when <see cref="ExactFinished"/>).</summary>
public sealed record GapSample(
    int Call, int Ranks, int Rows, int Candidates, int AdmitCount,
    double Objective, double LowerBound, bool ExactRun, bool ExactFinished, double Exact, long ExactNodes);

/// <summary>
/// Hooked into <see cref="BfioPolicy.Solved"/>: for every decision computes <see cref="PlacementLowerBound"/>
/// and, on decisions small enough, runs <see cref="ExactPlacementSolver"/> with a node limit, seeded with the
/// solver's objective so it only has to prove it optimal or find something better.
/// </summary>
public sealed class GapProbe
{
    private readonly long _exactNodes;
    private readonly int _exactMaxCandidates;
    private readonly ExactPlacementSolver _exact;
    private readonly List<GapSample> _samples = [];
    private int[] _rankOf = [];

    /// <param name="exactNodes">node limit of the exact solver per decision; 0 = never run it</param>
    /// <param name="exactMaxCandidates">run the exact solver only on decisions with at most this many candidates</param>
    public GapProbe(long exactNodes, int exactMaxCandidates)
    {
        _exactNodes = exactNodes;
        _exactMaxCandidates = exactMaxCandidates;
        _exact = new ExactPlacementSolver(Math.Max(1, exactNodes));
    }

    public IReadOnlyList<GapSample> Samples => _samples;

    /// <summary>Seconds spent in the bound and the exact solver (not the policy's own solve).</summary>
    public double ProbeSeconds { get; private set; }

    public void Observe(PlacementProblem problem, double objective)
    {
        var started = Stopwatch.GetTimestamp();
        var bound = PlacementLowerBound.Compute(problem);
        // The exact solver's suffix tables grow with Candidates² · Rows, so the largest decisions (a backlog's
        // first fill admits thousands at once, far beyond what branch and bound can finish) are not tried.
        var run = _exactNodes > 0 && problem.AdmitCount > 0 && problem.Candidates <= _exactMaxCandidates;
        var exact = double.NaN;
        var finished = false;
        long nodes = 0;
        if (run)
        {
            if (_rankOf.Length < problem.Candidates) _rankOf = new int[Math.Max(problem.Candidates, 2 * _rankOf.Length)];
            // The incumbent's assignment is not needed: only the value is compared, and the solver returns
            // the incumbent's value unless it finds a strictly better placement.
            var rankOf = _rankOf.AsSpan(0, problem.Candidates);
            rankOf.Fill(-1);
            exact = _exact.Solve(problem, rankOf, incumbent: objective);
            finished = _exact.Finished;
            nodes = _exact.Nodes;
        }
        _samples.Add(new GapSample(_samples.Count, problem.Ranks, problem.Rows, problem.Candidates, problem.AdmitCount,
            objective, bound, run, finished, exact, nodes));
        ProbeSeconds += Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
