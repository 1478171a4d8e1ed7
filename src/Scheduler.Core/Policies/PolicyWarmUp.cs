using System.Collections.Concurrent;
using Scheduler.Core.Model;
using Scheduler.Core.Policies.Routing;
using Scheduler.Core.Simulation;

namespace Scheduler.Core.Policies;

/// <summary>
/// Compiles a policy's decisions before its first real one. Methods are compiled once per process, at their first call:
/// left to the first real decision, that call pays for compiling everything a decision reaches, several milliseconds,
/// and at G=128 a run of 40 calls reports it as its p99 (trtllm 3.3 ms, bfio-ref 15 ms on the burst fixture), as a
/// server's first requests would. A twin, a second instance made like the policy from the same spec, runs a small
/// made-up backlog through the simulator instead: the policy itself is left as made (its state, its random numbers),
/// and so are its decisions. Once per policy type and spec per process: the code compiled is shared by every instance.
/// bfio compiles itself (BfioPolicy's warm-up, with settings of its own that reach aging and holds within a few steps).
/// </summary>
internal static class PolicyWarmUp
{
    private static readonly ConcurrentDictionary<(Type Type, string Spec), bool> Ran = new();

    /// <summary>The made-up cluster: 4 ranks of 8 slots, a window of 16 candidates.</summary>
    public static ClusterShape Shape { get; } = new(4, 8);

    /// <summary>
    /// A wider cluster the same backlog also runs on: 16 ranks of 4 slots, a window of 64 candidates. The library's sorts
    /// take another path past 16 entries (insertion sort up to 16, then partitioning), and on <see cref="Shape"/> no call
    /// shows more than 16 (trtllm's first G=128 call compiled that path: 620 µs against 270–380 µs for the next runs').
    /// </summary>
    public static ClusterShape WideShape { get; } = new(16, 4);

    /// <summary>
    /// The made-up backlog: 128 requests, 4 full turnovers of <see cref="Shape"/>, so a queue longer than the free slots
    /// and then the drain. Prompts of 11 sizes (100 … 1,070) and outputs of 13 lengths (2 … 14) that do not repeat in
    /// step, so ranks drift apart; one 20,000-token prompt, oversize against any rank, shown at the second call.
    /// </summary>
    public static Request[] Requests()
    {
        var requests = new Request[4 * Shape.Ranks * Shape.BatchSize];
        for (var i = 0; i < requests.Length; i++)
        {
            var prompt = i == 20 ? 20000 : 100 + 97 * (i % 11);
            var output = 2 + i % 13;
            requests[i] = new Request(i, prompt, output, output);
        }
        return requests;
    }

    /// <summary>Whether a policy of <paramref name="type"/> made from <paramref name="spec"/> has been warmed up in this process.</summary>
    public static bool HasRun(Type type, string spec) => Ran.ContainsKey((type, spec));

    /// <summary>
    /// Runs the policies <paramref name="twin"/> makes through <see cref="Requests"/> on <see cref="Shape"/> and on
    /// <see cref="WideShape"/>, unless a policy of <paramref name="type"/> and <paramref name="spec"/> was warmed up in this
    /// process already. Returns whether it ran.
    /// </summary>
    public static bool Once(Type type, string spec, Func<IPlacementPolicy> twin) =>
        Once(type, spec, shape => Simulator.Run(new Workload(Requests(), "warm-up"), twin(),
            new SimulationOptions(shape) { RecordSteps = false }));

    /// <summary><see cref="Once(Type, string, Func{IPlacementPolicy})"/> for a router: the same backlogs, bound on arrival.</summary>
    public static bool Once(Type type, string spec, Func<IArrivalRouter> twin) =>
        Once(type, spec, shape => Simulator.Run(new Workload(Requests(), "warm-up"), twin(),
            new SimulationOptions(shape) { RecordSteps = false, Binding = BindingMode.Arrival }));

    private static bool Once(Type type, string spec, Action<ClusterShape> run)
    {
        if (!Ran.TryAdd((type, spec), true)) return false;
        run(Shape);
        run(WideShape);
        return true;
    }
}
