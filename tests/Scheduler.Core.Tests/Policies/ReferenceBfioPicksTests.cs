using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Core.Tests.Reference;
using Scheduler.Core.Traces;
using Scheduler.Core.Workloads;

namespace Scheduler.Core.Tests.Policies;

/// <summary>
/// bfio-ref's fast picks (candidates sorted by size once per call, scores by vector passes) against the reference's
/// own procedure (a scan of the window per pick, the fine fill sorting its own sizes), admission for admission.
/// </summary>
public sealed class ReferenceBfioPicksTests
{
    public static TheoryData<int, int, int, int> Shapes() => new()
    {
        { 32, 72, 72, 20_000 },  // the fixture's shape: the queue (4G = 128) always fits the window
        { 16, 32, 0, 20_000 },   // H = 0
        { 260, 4, 72, 6_000 },   // 4G = 1,040 waiting: longer than the 1,024-entry window, until picks shrink it below
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Fast_picks_admit_what_the_reference_procedure_admits(int ranks, int batch, int horizon, int count)
    {
        var workload = RequestCsvReader.Read(Path.Combine(ReferenceFixture.FixtureDirectory(), "burst-n20000-seed42.requests.csv"));
        if (count < workload.Count) workload = new Workload(workload.Requests.Take(count), workload.Source);
        var shape = new ClusterShape(ranks, batch);

        var fast = Simulator.Run(workload, new ReferenceBfioPolicy(horizon), new SimulationOptions(shape) { RecordSteps = false });
        var plain = Simulator.Run(workload, new ReferenceBfioPolicy(horizon) { SizeSortedPicks = false },
            new SimulationOptions(shape) { RecordSteps = false });

        Assert.Equal(plain.Admissions.Count, fast.Admissions.Count);
        for (var i = 0; i < plain.Admissions.Count; i++)
            Assert.True(plain.Admissions[i] == fast.Admissions[i], $"admission {i}: reference procedure {plain.Admissions[i]}, fast {fast.Admissions[i]}");
    }

    [Fact]
    public void Fast_picks_admit_what_the_reference_procedure_admits_under_timed_overload()
    {
        // Arrivals far faster than 16×16 slots drain: the queue grows past the window, calls go from scanning the
        // window to the size-sorted picks and back as it does.
        var workload = ShapeGenerator.Generate(ShapeCatalog.Bursty, 6_000, seed: 3, ratePerSecond: 20_000);
        var options = new SimulationOptions(new ClusterShape(16, 16)) { Arrivals = ArrivalMode.Trace, RecordSteps = false };

        var watched = new QueueWatch(new ReferenceBfioPolicy());
        var fast = Simulator.Run(workload, watched, options);
        var plain = Simulator.Run(workload, new ReferenceBfioPolicy { SizeSortedPicks = false }, options);

        Assert.True(watched.Longest > ReferenceConstants.BfioCandidateWindow, $"the queue peaked at {watched.Longest}");
        Assert.True(watched.Shortest <= ReferenceConstants.BfioCandidateWindow, $"the queue never fell to the window: {watched.Shortest}");
        Assert.Equal(plain.Admissions.Count, fast.Admissions.Count);
        for (var i = 0; i < plain.Admissions.Count; i++)
            Assert.True(plain.Admissions[i] == fast.Admissions[i], $"admission {i}: reference procedure {plain.Admissions[i]}, fast {fast.Admissions[i]}");
    }

    /// <summary>The longest and shortest queue a policy was called on.</summary>
    private sealed class QueueWatch(IPlacementPolicy inner) : IPlacementPolicy
    {
        public int Longest { get; private set; }
        public int Shortest { get; private set; } = int.MaxValue;
        public string Name => inner.Name;

        public void Place(ClusterView state)
        {
            Longest = Math.Max(Longest, state.QueueCount);
            Shortest = Math.Min(Shortest, state.QueueCount);
            inner.Place(state);
        }
    }
}
