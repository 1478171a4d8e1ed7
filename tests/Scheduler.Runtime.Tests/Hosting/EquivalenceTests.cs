using Scheduler.Core.Simulation;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Hosting;

/// <summary>
/// The point of the runtime: a backlogged run with the cost-model engine, through the ingestion stream,
/// the balancer, the sharded ranks and the barrier, gives the simulator's admissions and summary for every
/// reference policy on both fixture sets.
/// </summary>
public sealed class EquivalenceTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var set in new[] { "g16-b32", "g32-b72" })
            foreach (var policy in new[] { "fcfs", "jsq", "round-robin", "bfio-h0", "bfio" })
                data.Add(set, policy);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Backlogged_cost_model_run_matches_the_simulator_admission_for_admission(string set, string policyKey)
    {
        var fixture = ReferenceFixture.Named(set);
        var simulated = Simulator.Run(fixture.Workload, fixture.Policy(policyKey), new SimulationOptions(fixture.Shape));

        var run = await RuntimeRunner.RunAsync(new RuntimeRunRequest
        {
            Input = RequestInput.Of(fixture.Workload),
            Shape = fixture.Shape,
            Policy = fixture.Policy(policyKey),
        });

        RunAssert.SameAdmissions(simulated.Admissions, run.Admissions);
        RunAssert.SameMetrics(simulated.Summary, run.Summary);
        RunAssert.SameSteps(simulated.Steps, run.Steps);
        Assert.Equal(fixture.Workload.Count, run.FinalState.FinishedCount);
        Assert.Empty(run.DeadLetters);
        Assert.Equal(0, run.StepTimeouts);
    }
}
