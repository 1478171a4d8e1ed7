using System.Diagnostics;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Routing;

namespace Scheduler.Core.Simulation;

/// <summary>
/// The deterministic step simulator of SPEC §2: the reference simulator's loop, generalised to any
/// step cost model and to timed arrivals. With the defaults it reproduces the reference exactly.
/// It drives the same <see cref="PlacementLoop"/> as the runtime, with every request known up front and
/// each step computed from the cost model.
/// </summary>
public static class Simulator
{
    public static SimulationResult Run(Workload workload, IPlacementPolicy policy, SimulationOptions options)
    {
        if (options.Binding != BindingMode.Pool)
            throw new ArgumentException($"policy '{policy.Name}' places from a pool; binding on arrival needs a router (IArrivalRouter)");
        return Run(workload, options, new PlacementLoop(options.Shape, policy, LoopOptions(workload, options)));
    }

    /// <summary>Arrival binding: <paramref name="router"/> binds each request to a rank as it is revealed.</summary>
    public static SimulationResult Run(Workload workload, IArrivalRouter router, SimulationOptions options)
    {
        if (options.Binding != BindingMode.Arrival)
            throw new ArgumentException($"router '{router.Name}' binds on arrival; the options say {options.Binding} binding");
        return Run(workload, options, new PlacementLoop(options.Shape, router, LoopOptions(workload, options)));
    }

    /// <summary>
    /// The policy <paramref name="spec"/> names, in the binding <paramref name="options"/> asks for: the pool policy
    /// (<see cref="PolicyCatalog"/>) or its native router (<see cref="ArrivalRouterCatalog"/>). A name or parameter
    /// the binding's catalog refuses is an <see cref="ArgumentException"/> naming it.
    /// </summary>
    public static SimulationResult Run(Workload workload, PolicySpec spec, PolicyDefaults defaults, SimulationOptions options) =>
        options.Binding == BindingMode.Arrival
            ? Run(workload, ArrivalRouterCatalog.Create(spec, defaults), options)
            : Run(workload, PolicyCatalog.Create(spec, defaults), options);

    private static PlacementLoopOptions LoopOptions(Workload workload, SimulationOptions options)
    {
        if (options.Arrivals == ArrivalMode.Live) throw new ArgumentException("the simulator replays a workload; live arrivals need the runtime");
        return new PlacementLoopOptions { Arrivals = options.Arrivals, Binding = options.Binding, CapacityHint = workload.Count };
    }

    private static SimulationResult Run(Workload workload, SimulationOptions options, PlacementLoop loop)
    {
        var wall = Stopwatch.StartNew();
        var cost = options.EffectiveCostModel;
        var state = loop.State;
        foreach (var r in workload.Requests)
        {
            var slot = loop.Add(r);
            if (slot != r.Id) throw new InvalidOperationException($"{workload.Source}: request {r.Id} took slot {slot}; ids must be 0..N-1 in order");
        }
        loop.CompleteInput();

        while (loop.Advance() == LoopAction.RunStep)
        {
            loop.SimulateStep(cost);
            options.OnStep?.Invoke(state, loop.LastStep);
            if (options.Progress is { } progress && state.Step % options.ProgressEverySteps == 0) progress(state);
        }

        wall.Stop();
        var summary = RunSummary.Compute(loop.Name, state, loop.Steps, loop.DecisionMicros, wall.Elapsed.TotalSeconds);
        return new SimulationResult(summary, options.RecordSteps ? loop.Steps : Array.Empty<StepRecord>(), state.Admissions, state);
    }
}
