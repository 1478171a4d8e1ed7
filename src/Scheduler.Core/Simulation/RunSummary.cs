using Scheduler.Core.Metrics;
using Scheduler.Core.Model;

namespace Scheduler.Core.Simulation;

/// <summary>
/// The summary of one run (SPEC §2): step-averaged figures over steps 1..cut (cut = the step of the
/// last admission), request figures over all requests, plus the time view and decision timings.
/// </summary>
public sealed record RunSummary
{
    public required string Policy { get; init; }
    public required int Requests { get; init; }
    public required int Ranks { get; init; }
    public required int BatchSize { get; init; }
    public required double AvgImbalance { get; init; }
    public required double Throughput { get; init; }
    public required double Qpm { get; init; }
    public required double AvgUtilization { get; init; }
    public required double AvgIdleRate { get; init; }
    /// <summary>The reference's energy over steps 1..cut: each rank draws 100 + 300·(L_g / max L)^0.7 W for the whole step.
    /// It scales power by load relative to the step's maximum, so in a run limited by arrivals better balance reads as
    /// more energy; <see cref="EnergyPerToken"/> is the physical figure.</summary>
    public required double TotalEnergy { get; init; }
    public required double AvgPower { get; init; }
    public required double Makespan { get; init; }
    /// <summary>Mean finish time since t=0, what the reference calls "avg latency": a latency only when every request
    /// arrives at t=0 (backlogged); with timed arrivals see <see cref="E2eMean"/>.</summary>
    public required double AvgFinishTime { get; init; }
    public required double Tpot { get; init; }
    public required int Steps { get; init; }
    public required int LastAdmissionStep { get; init; }
    public required double FinalClock { get; init; }
    public required double SumStartTime { get; init; }
    public required double SumFinishTime { get; init; }
    /// <summary>Σ(T − t_g) / Σ G·T over steps 1..cut: the share of rank-time spent waiting at the barrier.</summary>
    public required double BarrierIdleFraction { get; init; }
    /// <summary>The same over every step, the drain after the last admission included.</summary>
    public required double BarrierIdleFractionAll { get; init; }
    public required double QueueDelayP50 { get; init; }
    public required double QueueDelayP99 { get; init; }
    public required double TtftP50 { get; init; }
    public required double TtftP99 { get; init; }
    /// <summary>Mean end-to-end latency: finish − arrival, over every request.</summary>
    public required double E2eMean { get; init; }
    public required double E2eP50 { get; init; }
    public required double E2eP99 { get; init; }
    public required int Decisions { get; init; }
    public required double DecisionMicrosMedian { get; init; }
    public required double DecisionMicrosP99 { get; init; }
    public required double WallSeconds { get; init; }

    /// <summary>
    /// Joules per generated token over the whole run under a busy/idle power model of the time view: a rank draws
    /// <see cref="BusyWatts"/> while it computes (t_g) and <see cref="IdleWatts"/> while it waits at the barrier
    /// (T − t_g), the reference's power at full and at no load. Balance shortens the wait, so it lowers this.
    /// </summary>
    public required double EnergyPerToken { get; init; }

    /// <summary>Input records rejected as malformed (the runtime; 0 for the simulator, which reads validated input).</summary>
    public int Rejected { get; init; }

    public const double BusyWatts = 400.0;
    public const double IdleWatts = 100.0;

    public static RunSummary Compute(
        string policy, ClusterState state, IReadOnlyList<StepRecord> steps,
        ReadOnlySpan<double> decisionMicros, double wallSeconds)
    {
        var cut = Math.Max(0, Math.Min(state.LastAdmissionStep, steps.Count));
        var durations = new double[cut];
        var utilization = new double[cut];
        var idle = new double[cut];
        var energy = new double[cut];
        var power = new double[cut];
        long activeSum = 0, finishedSum = 0, imbalanceSum = 0;
        double barrierIdle = 0, barrierSpan = 0;
        for (var k = 0; k < cut; k++)
        {
            var s = steps[k];
            durations[k] = s.Duration;
            utilization[k] = s.Utilization;
            idle[k] = s.IdleRate;
            energy[k] = s.Energy;
            power[k] = s.Power;
            activeSum += s.ActiveBefore;
            finishedSum += s.Finished;
            imbalanceSum += s.Imbalance;
            barrierIdle += s.BarrierIdleSeconds;
            barrierSpan += state.Ranks * s.Duration;
        }
        double barrierIdleAll = 0, barrierSpanAll = 0;
        long tokens = 0;
        foreach (var s in steps)
        {
            barrierIdleAll += s.BarrierIdleSeconds;
            barrierSpanAll += state.Ranks * s.Duration;
            tokens += s.ActiveBefore;
        }
        var busyEnergy = BusyWatts * (barrierSpanAll - barrierIdleAll) + IdleWatts * barrierIdleAll;
        var timeSum = PairwiseSum.Sum(durations);

        // Request figures read every request's times: a finite run keeps them all (no slot is released).
        if (state.LiveCount != state.SlotCount) throw new InvalidOperationException("a run summary needs every request; slots were released");
        var n = state.SlotCount;
        var finish = new double[n];
        var start = new double[n];
        var perToken = new List<double>(n);
        var queueDelay = new double[n];
        var ttft = new double[n];
        var e2e = new double[n];
        var e2eSum = 0.0;
        var makespan = double.NegativeInfinity;
        for (var i = 0; i < n; i++)
        {
            var f = state.FinishTime(i);
            var st = state.StartTime(i);
            var arrival = state.ArrivalSeconds(i);
            finish[i] = f;
            start[i] = st;
            if (f > makespan) makespan = f;
            var o = state.FinishedOutputTokens(i);
            if (o > 0) perToken.Add((f - st) / o);
            queueDelay[i] = st - arrival;
            ttft[i] = state.FirstTokenTime(i) - arrival;
            e2e[i] = f - arrival;
            e2eSum += e2e[i];
        }
        Array.Sort(queueDelay);
        Array.Sort(ttft);
        Array.Sort(e2e);
        var decisions = decisionMicros.ToArray();
        Array.Sort(decisions);

        return new RunSummary
        {
            Policy = policy,
            Requests = n,
            Ranks = state.Ranks,
            BatchSize = state.BatchSize,
            AvgImbalance = cut > 0 ? (double)imbalanceSum / cut : 0.0,
            Throughput = timeSum != 0 ? activeSum / timeSum : 0.0,
            Qpm = timeSum != 0 ? 60.0 * finishedSum / timeSum : 0.0,
            AvgUtilization = cut > 0 ? PairwiseSum.Sum(utilization) / cut : 0.0,
            AvgIdleRate = cut > 0 ? PairwiseSum.Sum(idle) / cut : 0.0,
            TotalEnergy = PairwiseSum.Sum(energy),
            AvgPower = cut > 0 ? PairwiseSum.Sum(power) / cut : 100.0,
            Makespan = n > 0 ? makespan : 0.0,
            AvgFinishTime = PairwiseSum.Mean(finish),
            Tpot = PairwiseSum.Mean(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(perToken)),
            Steps = state.Step,
            LastAdmissionStep = state.LastAdmissionStep,
            FinalClock = state.Clock,
            SumStartTime = PairwiseSum.Sum(start),
            SumFinishTime = PairwiseSum.Sum(finish),
            BarrierIdleFraction = barrierSpan > 0 ? barrierIdle / barrierSpan : 0.0,
            BarrierIdleFractionAll = barrierSpanAll > 0 ? barrierIdleAll / barrierSpanAll : 0.0,
            QueueDelayP50 = Percentile.OfSorted(queueDelay, 50),
            QueueDelayP99 = Percentile.OfSorted(queueDelay, 99),
            TtftP50 = Percentile.OfSorted(ttft, 50),
            TtftP99 = Percentile.OfSorted(ttft, 99),
            E2eMean = n > 0 ? e2eSum / n : double.NaN,
            E2eP50 = Percentile.OfSorted(e2e, 50),
            E2eP99 = Percentile.OfSorted(e2e, 99),
            Decisions = decisions.Length,
            DecisionMicrosMedian = Percentile.OfSorted(decisions, 50),
            DecisionMicrosP99 = Percentile.OfSorted(decisions, 99),
            WallSeconds = wallSeconds,
            EnergyPerToken = tokens > 0 ? busyEnergy / tokens : double.NaN,
        };
    }
}
