using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Logic;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Logic;

/// <summary>
/// The balancer's loop without actors: however the input trickles in, it reveals and decides exactly where
/// the simulator does, backlogged and in virtual time.
/// </summary>
public sealed class PlacementLoopTests
{
    [Theory]
    [InlineData("fcfs", 1)]
    [InlineData("bfio", 1)]
    [InlineData("bfio", 7)]
    [InlineData("jsq", 20000)]
    public void A_backlogged_loop_fed_in_trickles_decides_exactly_as_the_simulator(string policy, int chunk)
    {
        var fixture = ReferenceFixture.Small.Value;
        var simulated = Simulator.Run(fixture.Workload, fixture.Policy(policy), new SimulationOptions(fixture.Shape));

        var loop = LoopDriver.Run(fixture.Workload, fixture.Policy(policy), fixture.Shape, ArrivalMode.Backlog, chunk);

        RunAssert.SameAdmissions(simulated.Admissions, loop.State.Admissions);
        RunAssert.SameMetrics(simulated.Summary, loop.Summarize());
        RunAssert.SameSteps(simulated.Steps, loop.Steps);
    }

    public static TheoryData<string, double, int> TimedCases() => new()
    {
        // A light load leaves the cluster idle between arrivals; a heavy one builds a queue.
        { "fcfs", 40.0, 1 },
        { "jsq", 40.0, 3 },
        { "bfio-ref", 40.0, 1 },
        { "fcfs", 2000.0, 1 },
        { "round-robin", 2000.0, 5 },
        { "bfio-ref:h=0", 2000.0, 1 },
        { "bfio-ref", 2000.0, 3000 },
    };

    [Theory]
    [MemberData(nameof(TimedCases))]
    public void A_timed_loop_fed_in_trickles_decides_exactly_as_the_simulator_in_virtual_time(string policy, double rate, int chunk)
    {
        var workload = new SyntheticWorkload(3000, Seed: 11) { RatePerSecond = rate, PromptMax = 1024, OutputMax = 96 }.ToWorkload();
        var shape = new ClusterShape(8, 16);
        var simulated = Simulator.Run(workload, PolicyCatalog.Create(policy), new SimulationOptions(shape) { Arrivals = ArrivalMode.Trace });

        var loop = LoopDriver.Run(workload, PolicyCatalog.Create(policy), shape, ArrivalMode.Trace, chunk);

        RunAssert.SameAdmissions(simulated.Admissions, loop.State.Admissions);
        RunAssert.SameMetrics(simulated.Summary, loop.Summarize());
        RunAssert.SameSteps(simulated.Steps, loop.Steps);
    }

    [Fact]
    public void A_backlogged_loop_waits_until_it_can_fill_the_reveal_window()
    {
        var loop = new PlacementLoop(new ClusterShape(2, 4), PolicyCatalog.Create("fcfs"), ArrivalMode.Backlog);
        for (var i = 0; i < 7; i++) loop.Add(Ingested(i, 0.0));

        Assert.IsType<LoopAction.NeedInput>(loop.Advance());
        Assert.Equal(0, loop.State.QueueCount);

        loop.Add(Ingested(7, 0.0));
        var step = Assert.IsType<LoopAction.RunStep>(loop.Advance());
        Assert.Equal(1, step.Step);
        Assert.Equal<int>([4, 4], step.AdmittedThrough);
    }

    [Fact]
    public void A_timed_loop_waits_until_it_has_seen_an_arrival_after_its_clock()
    {
        var loop = new PlacementLoop(new ClusterShape(2, 4), PolicyCatalog.Create("fcfs"), ArrivalMode.Trace);
        loop.Add(Ingested(0, 0.0));
        loop.Add(Ingested(1, 0.0));

        // Another request may still arrive at t=0: deciding now could differ from the simulator.
        Assert.IsType<LoopAction.NeedInput>(loop.Advance());

        loop.Add(Ingested(2, 0.5));
        var step = Assert.IsType<LoopAction.RunStep>(loop.Advance());
        Assert.Equal(2, step.Admissions.Sum(a => a.Requests.Length));
        Assert.Equal(1, loop.Unrevealed);
    }

    [Fact]
    public void A_rank_report_that_disagrees_with_the_balancer_is_refused()
    {
        var loop = new PlacementLoop(new ClusterShape(1, 4), PolicyCatalog.Create("fcfs"), ArrivalMode.Backlog);
        loop.Add(Ingested(0, 0.0));
        loop.CompleteInput();
        Assert.IsType<LoopAction.RunStep>(loop.Advance());

        var wrongLoad = new StepCompleted(0, 1, 0.01, 1, 999, []);
        var error = Assert.Throws<InvalidOperationException>(() => loop.ApplyStep(new StepBarrierPassed(1, 0.01, 0, [wrongLoad])));

        Assert.Contains("disagree", error.Message);
    }

    private static IngestedRequest Ingested(int id, double arrival) =>
        new(new Request(id, 100, 10, 10, arrival), id, id + 1);
}
