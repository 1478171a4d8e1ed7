using Scheduler.Core.Model;

namespace Scheduler.Core.Simulation;

/// <summary>
/// Turns the state right after a step's completions into a <see cref="StepRecord"/> with the
/// reference's formulas and float order. Shared by the simulator and the runtime's barrier so both
/// report the same numbers for the same step.
/// </summary>
public sealed class StepRecorder
{
    private const double IdlePowerWatts = 100.0;
    private const double PowerSpanWatts = 300.0;
    private const double PowerExponent = 0.7;
    private double[] _idle = [];
    private double[] _power = [];

    /// <param name="referenceFigures">Compute the reference's per-step idle rate, power and energy (a summary needs them; a
    /// live service, which reports its own figures, does not, and spares G powers per step).</param>
    public StepRecord Record(ClusterState state, int activeBefore, int finished, double duration, double barrierIdleSeconds, bool referenceFigures = true)
    {
        var ranks = state.Ranks;
        if (_idle.Length < ranks)
        {
            _idle = new double[ranks];
            _power = new double[ranks];
        }
        var loads = state.Loads;
        long max = 0, total = 0;
        for (var g = 0; g < ranks; g++)
        {
            var l = loads[g];
            total += l;
            if (l > max) max = l;
        }
        var imbalance = ranks * max - total;
        if (!referenceFigures)
            return new StepRecord(state.Step, state.Clock, duration, activeBefore, finished, imbalance, max, total,
                activeBefore / (double)(ranks * state.BatchSize), double.NaN, double.NaN, double.NaN, barrierIdleSeconds, state.WaitingCount);
        var divisor = max > 0 ? max : 1;
        var idle = _idle.AsSpan(0, ranks);
        var power = _power.AsSpan(0, ranks);
        var energy = 0.0;
        for (var g = 0; g < ranks; g++)
        {
            idle[g] = 1.0 - (double)loads[g] / divisor;
            if (duration > 0)
            {
                var r = Math.Clamp(1.0 - idle[g], 0.0, 1.0);
                power[g] = r > 0 ? IdlePowerWatts + PowerSpanWatts * Math.Pow(r, PowerExponent) : IdlePowerWatts;
                energy += power[g] * duration;
            }
            else power[g] = IdlePowerWatts;
        }
        return new StepRecord(
            Step: state.Step,
            Clock: state.Clock,
            Duration: duration,
            ActiveBefore: activeBefore,
            Finished: finished,
            Imbalance: imbalance,
            MaxLoad: max,
            TotalLoad: total,
            Utilization: activeBefore / (double)(ranks * state.BatchSize),
            IdleRate: Metrics.PairwiseSum.Mean(idle),
            Energy: energy,
            Power: Metrics.PairwiseSum.Mean(power),
            BarrierIdleSeconds: barrierIdleSeconds,
            QueueLength: state.WaitingCount);
    }
}
