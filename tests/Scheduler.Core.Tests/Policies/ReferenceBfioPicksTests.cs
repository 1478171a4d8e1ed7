using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Core.Tests.Reference;
using Scheduler.Core.Traces;

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
}
