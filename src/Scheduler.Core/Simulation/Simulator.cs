using System.Diagnostics;
using Scheduler.Core.CostModels;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;

namespace Scheduler.Core.Simulation;

/// <summary>
/// The deterministic step simulator of SPEC §2: the reference simulator's loop, generalised to any
/// step cost model and to timed arrivals. With the defaults it reproduces the reference exactly.
/// </summary>
public static class Simulator
{
    public static SimulationResult Run(Workload workload, IPlacementPolicy policy, SimulationOptions options)
    {
        var wall = Stopwatch.StartNew();
        var shape = options.Shape;
        var cost = options.EffectiveCostModel;
        var state = new ClusterState(workload, shape);
        var steps = new List<StepRecord>(options.RecordSteps ? 4096 : 0);
        var allSteps = options.RecordSteps ? steps : new List<StepRecord>(4096);
        var recorder = new StepRecorder();
        var decisions = new List<double>(4096);
        var finished = new List<int>(shape.Ranks * shape.BatchSize);
        var rankSeconds = new double[shape.Ranks];
        var timed = options.Arrivals == ArrivalMode.Trace;

        void Reveal()
        {
            if (timed) state.RevealArrivedBy(state.Clock);
            else state.RevealUpTo(shape.RevealWindow);
        }

        void Decide()
        {
            if (state.QueueCount == 0) return;
            state.BeginPolicyCall();
            var t0 = Stopwatch.GetTimestamp();
            policy.Place(state);
            decisions.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
            state.CompactQueue();
        }

        Reveal();
        Decide();
        while (!state.AllFinished)
        {
            if (state.ActiveTotal == 0)
            {
                if (state.QueueCount > 0 || state.HasPending)
                {
                    if (timed && state.QueueCount == 0) state.AdvanceClockTo(state.NextPendingArrival());
                    Reveal();
                    Decide();
                }
                if (state.ActiveTotal == 0)
                {
                    if (timed && state.HasPending && state.QueueCount == 0) continue;
                    throw new InvalidOperationException(
                        $"policy '{policy.Name}' admitted nothing onto an idle cluster at step {state.Step} " +
                        $"with {state.QueueCount} queued; {state.RequestCount - state.FinishedCount} requests would never finish");
                }
            }

            var duration = 0.0;
            for (var g = 0; g < shape.Ranks; g++)
            {
                var t = cost.RankSeconds(state.ActiveCount(g), state.Load(g));
                rankSeconds[g] = t;
                if (t > duration) duration = t;
            }
            var barrierIdle = 0.0;
            for (var g = 0; g < shape.Ranks; g++) barrierIdle += duration - rankSeconds[g];

            var activeBefore = state.ActiveTotal;
            finished.Clear();
            state.AdvanceStep(duration, finished);
            var record = recorder.Record(state, activeBefore, finished.Count, duration, barrierIdle);
            allSteps.Add(record);
            options.OnStep?.Invoke(state, record);

            if (state.QueueCount > 0 || state.HasPending)
            {
                Reveal();
                Decide();
            }
            if (options.Progress is { } progress && state.Step % options.ProgressEverySteps == 0) progress(state);
        }

        wall.Stop();
        var summary = RunSummary.Compute(policy.Name, state, allSteps,
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(decisions), wall.Elapsed.TotalSeconds);
        return new SimulationResult(summary, options.RecordSteps ? steps : Array.Empty<StepRecord>(), state.Admissions, state);
    }
}
