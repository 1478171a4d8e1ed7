using Scheduler.Core.Model;
using Scheduler.Core.Simulation;
using Scheduler.Core.Workloads;

namespace Scheduler.Core.Tests.Workloads;

/// <summary>A timed cell as scheduler compare builds it: G = 8, B = 16, 8 requests per slot, arriving at load × pool
/// fcfs's backlogged completion rate.</summary>
internal static class TimedCell
{
    public static readonly ClusterShape Shape = new(8, 16);

    public static Workload Requests(string shape, double load, int seed)
    {
        var count = Shape.Ranks * Shape.BatchSize * 8;
        var capacity = OfferedLoad.Capacity(ShapeGenerator.Generate(ShapeCatalog.Get(shape), count, seed), Shape);
        return ShapeGenerator.Generate(ShapeCatalog.Get(shape), count, seed, load * capacity);
    }
}
