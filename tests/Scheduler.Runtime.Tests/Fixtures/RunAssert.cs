using Scheduler.Core.Model;
using Scheduler.Core.Simulation;

namespace Scheduler.Runtime.Tests.Fixtures;

/// <summary>Comparisons of a runtime run against the simulator's.</summary>
public static class RunAssert
{
    /// <summary>Same admissions, compared sorted by step then request id (the fixtures' order).</summary>
    public static void SameAdmissions(IReadOnlyList<Admission> expected, IReadOnlyList<Admission> actual)
    {
        var e = expected.OrderBy(a => a.Step).ThenBy(a => a.RequestId).ToList();
        var a = actual.OrderBy(x => x.Step).ThenBy(x => x.RequestId).ToList();
        for (var i = 0; i < Math.Min(e.Count, a.Count); i++)
            Assert.True(e[i] == a[i], $"admission {i} differs: simulator {e[i]}, runtime {a[i]}");
        Assert.Equal(e.Count, a.Count);
    }

    /// <summary>Every metric of the summary to 1e-9 relative (wall time and decision timings aside: they measure the machine).</summary>
    public static void SameMetrics(RunSummary expected, RunSummary actual)
    {
        Assert.Equal(expected.Policy, actual.Policy);
        Assert.Equal(expected.Requests, actual.Requests);
        Assert.Equal(expected.Steps, actual.Steps);
        Assert.Equal(expected.LastAdmissionStep, actual.LastAdmissionStep);
        Assert.Equal(expected.Decisions, actual.Decisions);
        Close(nameof(RunSummary.AvgImbalance), expected.AvgImbalance, actual.AvgImbalance);
        Close(nameof(RunSummary.Throughput), expected.Throughput, actual.Throughput);
        Close(nameof(RunSummary.Qpm), expected.Qpm, actual.Qpm);
        Close(nameof(RunSummary.AvgUtilization), expected.AvgUtilization, actual.AvgUtilization);
        Close(nameof(RunSummary.AvgIdleRate), expected.AvgIdleRate, actual.AvgIdleRate);
        Close(nameof(RunSummary.TotalEnergy), expected.TotalEnergy, actual.TotalEnergy);
        Close(nameof(RunSummary.AvgPower), expected.AvgPower, actual.AvgPower);
        Close(nameof(RunSummary.Makespan), expected.Makespan, actual.Makespan);
        Close(nameof(RunSummary.AvgFinishTime), expected.AvgFinishTime, actual.AvgFinishTime);
        Close(nameof(RunSummary.Tpot), expected.Tpot, actual.Tpot);
        Close(nameof(RunSummary.FinalClock), expected.FinalClock, actual.FinalClock);
        Close(nameof(RunSummary.SumStartTime), expected.SumStartTime, actual.SumStartTime);
        Close(nameof(RunSummary.SumFinishTime), expected.SumFinishTime, actual.SumFinishTime);
        Close(nameof(RunSummary.BarrierIdleFraction), expected.BarrierIdleFraction, actual.BarrierIdleFraction);
        Close(nameof(RunSummary.BarrierIdleFractionAll), expected.BarrierIdleFractionAll, actual.BarrierIdleFractionAll);
        Close(nameof(RunSummary.QueueDelayP50), expected.QueueDelayP50, actual.QueueDelayP50);
        Close(nameof(RunSummary.QueueDelayP99), expected.QueueDelayP99, actual.QueueDelayP99);
        Close(nameof(RunSummary.TtftP50), expected.TtftP50, actual.TtftP50);
        Close(nameof(RunSummary.TtftP99), expected.TtftP99, actual.TtftP99);
        Close(nameof(RunSummary.E2eP50), expected.E2eP50, actual.E2eP50);
        Close(nameof(RunSummary.E2eP99), expected.E2eP99, actual.E2eP99);
    }

    /// <summary>Every step record field to 1e-9 relative.</summary>
    public static void SameSteps(IReadOnlyList<StepRecord> expected, IReadOnlyList<StepRecord> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var k = 0; k < expected.Count; k++)
        {
            var e = expected[k];
            var a = actual[k];
            Assert.True(e.Step == a.Step && e.ActiveBefore == a.ActiveBefore && e.Finished == a.Finished && e.Imbalance == a.Imbalance
                        && e.MaxLoad == a.MaxLoad && e.TotalLoad == a.TotalLoad && e.QueueLength == a.QueueLength,
                $"step {k + 1} differs: simulator {e}, runtime {a}");
            Close($"step {k + 1} clock", e.Clock, a.Clock);
            Close($"step {k + 1} duration", e.Duration, a.Duration);
            Close($"step {k + 1} energy", e.Energy, a.Energy);
            Close($"step {k + 1} barrier idle", e.BarrierIdleSeconds, a.BarrierIdleSeconds);
        }
    }

    public static void Close(string what, double expected, double actual, double relative = 1e-9)
    {
        if (expected.Equals(actual)) return;
        var rel = Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-300);
        Assert.True(rel <= relative, $"{what}: simulator {expected:R}, runtime {actual:R} (relative error {rel:E2})");
    }
}
