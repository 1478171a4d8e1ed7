using System.Globalization;
using BenchmarkDotNet.Attributes;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Benchmarks;

/// <summary>
/// One bfio decision (projection + solve) on a mid-run state of the burst fixture, and the solver alone.
/// The state is reached by running bfio itself for <see cref="WarmSteps"/> steps; each iteration solves the
/// same decision again (the solver does not change the state).
/// </summary>
[MemoryDiagnoser]
public class BfioDecisionBenchmarks
{
    private PlacementProblem _problem = null!;
    private readonly GreedyExchangeSolver _solver = new();
    private int[] _assignment = [];

    [Params(32, 64)] public int Ranks { get; set; }
    [Params("oracle", "online")] public string Predictor { get; set; } = "oracle";
    public const int WarmSteps = 150;

    [GlobalSetup]
    public void Setup()
    {
        var batch = Ranks == 32 ? 72 : 128;
        var workload = LoadBurst();
        var shape = new ClusterShape(Ranks, batch);
        var state = new ClusterState(workload, shape, recordAdmissions: false);
        var policy = PolicyCatalog.Create($"bfio:predictor={Predictor}");
        var finished = new List<int>();
        for (var k = 0; k < WarmSteps && !state.AllFinished; k++)
        {
            state.RevealUpTo(shape.RevealWindow);
            policy.Place(state);
            state.CompactQueue();
            finished.Clear();
            state.AdvanceStep(0.01, finished);
        }
        state.RevealUpTo(shape.RevealWindow);
        _problem = BuildProblem(state, ((BfioPolicy)policy).Predictor, new BfioSettings());
        _assignment = new int[_problem.Candidates];
    }

    [Benchmark]
    public double Solve() => _solver.Solve(_problem, _assignment);

    /// <summary>The decision bfio would face now (as <see cref="BfioPolicy"/> builds it, without aging).</summary>
    private static PlacementProblem BuildProblem(ClusterState state, IOutputPredictor predictor, BfioSettings settings)
    {
        var rows = predictor.LooksAhead ? settings.Horizon + 1 : 1;
        var queue = state.Queue;
        var count = queue.Length;
        var p = new PlacementProblem();
        p.Reset(state.Ranks, rows, count);
        p.Weights[0] = settings.NowWeight;
        for (var h = 1; h < rows; h++) p.Weights[h] = Math.Pow(settings.Decay, h - 1);
        for (var g = 0; g < state.Ranks; g++)
        {
            predictor.ProjectRank(state, g, p.BaseColumn(g));
            p.Free(g) = state.FreeSlots(g);
        }
        var everyRow = Enumerable.Range(0, rows).ToArray();
        for (var i = 0; i < count; i++) predictor.ProjectCandidate(state, queue[i], everyRow, p.Profile(i));
        p.AdmitCount = Math.Min(count, state.TotalFreeSlots());
        p.Seal();
        return p;
    }

    private static Workload LoadBurst() => BenchData.BurstFixture();
}
