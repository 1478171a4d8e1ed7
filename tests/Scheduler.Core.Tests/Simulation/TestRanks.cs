using Scheduler.Core.CostModels;
using Scheduler.Core.Model;
using Scheduler.Core.Simulation;

namespace Scheduler.Core.Tests.Simulation;

/// <summary>
/// Ranks outside the loop, as the runtime's rank actors are: they learn their admissions from
/// <see cref="ClusterState.RecentAdmissions"/>, step on their own copies of the requests (named by serial) and report
/// what finished, in reverse rank order, through <see cref="PlacementLoop.ApplyStep"/>.
/// </summary>
internal sealed class TestRanks(int ranks, IStepCostModel cost)
{
    private sealed class Held(long serial, int prompt, int output)
    {
        public long Serial { get; } = serial;
        public int Prompt { get; } = prompt;
        public int Output { get; } = output;
        public int Generated { get; set; }
    }

    private readonly List<Held>[] _held = Enumerable.Range(0, ranks).Select(_ => new List<Held>()).ToArray();

    public int HeldOn(int rank) => _held[rank].Count;

    /// <summary>Run the loop's step: admit, decode, report. <paramref name="clockAdvance"/> overrides the step's duration (live).
    /// With <paramref name="lostRank"/>, that rank is lost once this step's admissions reached it: its replacement steps
    /// nothing, and the loop restarts its requests right before the step is applied, as the runtime's balancer does.</summary>
    public ReadOnlySpan<int> Step(PlacementLoop loop, double? clockAdvance = null, int lostRank = -1)
    {
        var state = loop.State;
        foreach (var a in state.RecentAdmissions)
            _held[a.Rank].Add(new Held(state.Serial(a.RequestId), state.PromptTokens(a.RequestId), loop.OutputOf(a.RequestId)));
        if (lostRank >= 0) Lose(loop, lostRank);
        var reports = new RankStepReport[ranks];
        var duration = 0.0;
        var seconds = new double[ranks];
        for (var g = ranks - 1; g >= 0; g--)
        {
            var held = _held[g];
            var load = held.Sum(h => (long)h.Prompt + h.Generated);
            seconds[g] = cost.RankSeconds(held.Count, load);
            duration = Math.Max(duration, seconds[g]);
            var active = held.Count;
            foreach (var h in held) h.Generated++;
            var finished = held.Where(h => h.Generated >= h.Output).Select(h => h.Serial).ToArray();
            held.RemoveAll(h => h.Generated >= h.Output);
            reports[g] = new RankStepReport(active, load, seconds[g], finished);
        }
        var idle = 0.0;
        for (var g = 0; g < ranks; g++) idle += duration - seconds[g];
        return loop.ApplyStep(new StepReport(loop.RunningStep, duration, idle, reports), clockAdvance ?? duration);
    }

    /// <summary>Rank <paramref name="rank"/> loses everything it held, and the loop is told (<see cref="PlacementLoop.RestartRank"/>).</summary>
    public int[] Lose(PlacementLoop loop, int rank)
    {
        _held[rank].Clear();
        return loop.RestartRank(rank).ToArray();
    }
}
