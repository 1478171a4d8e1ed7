using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;

namespace Scheduler.Core.Tests.Reference;

/// <summary>Our simulator and reference policies against the paper's public simulator, number for number
/// and admission for admission, on both fixture sets.</summary>
public sealed class ReferenceFixtureTests
{
    private static readonly Lazy<ReferenceFixture> Large = new(() => new ReferenceFixture("burst-n20000-seed42.requests.csv", "burst-n20000-seed42.g32-b72"));
    private static readonly Lazy<ReferenceFixture> Small = new(() => new ReferenceFixture("burst-n20000-seed7.requests.csv", "burst-n20000-seed7.g16-b32"));

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var set in new[] { "g16-b32", "g32-b72" })
            foreach (var policy in new[] { "fcfs", "jsq", "round-robin", "bfio-h0", "bfio" })
                data.Add(set, policy);
        return data;
    }

    private static ReferenceFixture Fixture(string set) => set == "g32-b72" ? Large.Value : Small.Value;

    private static IPlacementPolicy PolicyFor(string key, ReferenceFixture fixture) => key switch
    {
        "fcfs" => new FcfsPolicy(),
        "jsq" => new JoinShortestQueuePolicy(),
        "round-robin" => new RoundRobinPolicy(),
        "bfio-h0" => new ReferenceBfioPolicy(0, "bfio-h0"),
        "bfio" => new ReferenceBfioPolicy(fixture.Horizon, "bfio"),
        _ => throw new ArgumentException(key),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_admission_and_summary_metric_matches_the_reference(string set, string policyKey)
    {
        var fixture = Fixture(set);
        var result = Simulator.Run(fixture.Workload, PolicyFor(policyKey, fixture),
            new SimulationOptions(new ClusterShape(fixture.Ranks, fixture.BatchSize)));

        // The fixture lists each step's admissions by request id, not in decision order.
        var expectedAdmissions = fixture.Admissions(policyKey);
        var actual = result.Admissions.OrderBy(a => a.Step).ThenBy(a => a.RequestId).ToList();
        var firstDiff = -1;
        for (var i = 0; i < Math.Min(expectedAdmissions.Count, actual.Count); i++)
            if (expectedAdmissions[i] != actual[i]) { firstDiff = i; break; }
        Assert.True(firstDiff < 0,
            $"admission {firstDiff} differs: expected {(firstDiff < 0 ? default : expectedAdmissions[firstDiff])}, got {(firstDiff < 0 ? default : actual[firstDiff])}");
        Assert.Equal(expectedAdmissions.Count, actual.Count);

        var e = fixture.Expected(policyKey);
        var s = result.Summary;
        AssertClose(e, "avg_gpu_imbalance", s.AvgImbalance);
        AssertClose(e, "throughput_tokens_per_sec", s.Throughput);
        AssertClose(e, "QPM", s.Qpm);
        AssertClose(e, "avg_gpu_utilization", s.AvgUtilization);
        AssertClose(e, "avg_gpu_idle_rate", s.AvgIdleRate);
        AssertClose(e, "total_energy", s.TotalEnergy);
        AssertClose(e, "avg_power", s.AvgPower);
        AssertClose(e, "makespan", s.Makespan);
        AssertClose(e, "avg_latency", s.AvgFinishTime);
        AssertClose(e, "avg_latency_per_token", s.Tpot);
        AssertClose(e, "final_clock", s.FinalClock);
        AssertClose(e, "sum_start_time", s.SumStartTime);
        AssertClose(e, "sum_finish_time", s.SumFinishTime);
        Assert.Equal(e.GetProperty("total_steps").GetInt32(), s.Steps);
        Assert.Equal(e.GetProperty("last_assign_step").GetInt32(), s.LastAdmissionStep);
    }

    [Theory]
    [InlineData("g16-b32")]
    [InlineData("g32-b72")]
    public void Constants_match_the_fixture_configuration(string set)
    {
        var fixture = Fixture(set);
        Assert.Equal(fixture.OverheadSeconds, ReferenceConstants.StepOverheadSeconds(fixture.BatchSize));
        Assert.Equal(ReferenceConstants.TokenSeconds, fixture.TokenSeconds);
        Assert.Equal(fixture.RevealWindow, new ClusterShape(fixture.Ranks, fixture.BatchSize).RevealWindow);
    }

    private static void AssertClose(System.Text.Json.JsonElement expected, string key, double actual)
    {
        var want = expected.GetProperty(key).GetDouble();
        var rel = Math.Abs(actual - want) / Math.Max(Math.Abs(want), 1e-300);
        Assert.True(rel <= 1e-9, $"{key}: expected {want:R}, got {actual:R} (relative error {rel:E2})");
    }
}
