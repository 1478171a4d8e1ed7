using Scheduler.Core.CostModels;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Traces;

namespace Scheduler.Core.Simulation;

/// <summary>
/// Offered load ρ: the arrival rate as a multiple of the cluster's capacity, one definition for <c>--load</c> and
/// <c>compare --loads</c>.
/// <para><b>Capacity</b> is the request completion rate of a backlogged fcfs run of the same requests on the same
/// cluster (G, B) and cost model: QPM/60 over its admission phase (steps 1..cut, SPEC §2), i.e. how many requests per
/// second the cluster finishes while it is kept full. It counts in requests, so it carries the workload's own mix of
/// prompt and output lengths; it is a pool fcfs figure whatever the binding under test, so loads compare across
/// policies and bindings.</para>
/// <para><b>Utilisation</b> of a timed run is measured the same way: its completion rate over its admission phase
/// divided by capacity. A run that keeps up finishes requests as fast as they arrive, so at ρ &lt; 1 it reads ≈ ρ; past
/// 1 it saturates near 1.</para>
/// </summary>
public static class OfferedLoad
{
    /// <summary>Requests per second a backlogged run finished over its admission phase.</summary>
    public static double CompletionRate(RunSummary run) => run.Qpm / 60.0;

    /// <summary>Capacity from a backlogged fcfs run's summary (<see cref="CompletionRate"/>).</summary>
    public static double CapacityOf(RunSummary backloggedFcfs) => CompletionRate(backloggedFcfs);

    /// <summary>Capacity of <paramref name="shape"/> under <paramref name="costModel"/> (reference linear when null) for
    /// <paramref name="workload"/>'s requests: runs fcfs on them backlogged.</summary>
    public static double Capacity(Workload workload, ClusterShape shape, IStepCostModel? costModel = null)
    {
        var run = Simulator.Run(workload.AsBacklog(), new FcfsPolicy(), new SimulationOptions(shape) { CostModel = costModel, RecordSteps = false });
        var capacity = CapacityOf(run.Summary);
        if (!(capacity > 0) || !double.IsFinite(capacity))
            throw new ArgumentException($"{workload.Source}: capacity on G={shape.Ranks} B={shape.BatchSize} is {capacity} requests/s; too few requests to measure it");
        return capacity;
    }

    /// <summary>The mean arrival rate of a timed workload in requests per second: (N − 1) gaps over the span from the
    /// first arrival to the last.</summary>
    public static double ArrivalRate(Workload workload)
    {
        if (workload.Count < 2) throw new ArgumentException($"{workload.Source}: an arrival rate needs at least two requests");
        var span = workload[workload.Count - 1].ArrivalSeconds - workload[0].ArrivalSeconds;
        if (!(span > 0)) throw new ArgumentException($"{workload.Source}: every request arrives at {workload[0].ArrivalSeconds}s; a load needs timed arrivals");
        return (workload.Count - 1) / span;
    }

    /// <summary>The same requests with timestamps rescaled so the arrival rate is <paramref name="load"/> × <paramref name="capacity"/>
    /// (gaps keep their pattern: bursts stay bursts).</summary>
    public static Workload AtLoad(Workload workload, double load, double capacity)
    {
        if (!(load > 0) || !double.IsFinite(load)) throw new ArgumentOutOfRangeException(nameof(load), load, "load must be a positive finite number");
        if (!(capacity > 0) || !double.IsFinite(capacity)) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "capacity must be a positive finite number");
        return TraceSampler.RescaleArrivals(workload, load * capacity / ArrivalRate(workload));
    }

    /// <summary>A timed run's utilisation: its completion rate over its admission phase over <paramref name="capacity"/>.</summary>
    public static double Utilisation(RunSummary timedRun, double capacity) => CompletionRate(timedRun) / capacity;
}
