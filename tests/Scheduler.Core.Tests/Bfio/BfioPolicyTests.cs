using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;
using Scheduler.Core.Simulation;
using Scheduler.Core.Tests.Reference;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>bfio against the paper's own implementation on the reference burst fixture (G=32, B=72, N=20000).</summary>
public sealed class BfioPolicyTests
{
    private static readonly Lazy<ReferenceFixture> Burst = new(() =>
        new ReferenceFixture("burst-n20000-seed42.requests.csv", "burst-n20000-seed42.g32-b72"));

    private static RunSummary Run(string spec)
    {
        var fixture = Burst.Value;
        var options = new SimulationOptions(new ClusterShape(fixture.Ranks, fixture.BatchSize)) { RecordSteps = false };
        return Simulator.Run(fixture.Workload, PolicyCatalog.Create(spec), options).Summary;
    }

    private static double Reference(string key, string metric) => Burst.Value.Expected(key).GetProperty(metric).GetDouble();

    [Fact]
    public void Bfio_with_the_oracle_beats_the_reference_bfio_on_imbalance_by_a_third()
    {
        var summary = Run("bfio");
        Assert.True(summary.AvgImbalance < Reference("bfio", "avg_gpu_imbalance") * 2 / 3,
            $"bfio {summary.AvgImbalance:F0} vs bfio-ref {Reference("bfio", "avg_gpu_imbalance"):F0}");
        // Issue 3's throughput goal: at least bfio-ref's (H=72). This fixture is one chaotic sample: small
        // changes move it by ±0.5k tok/s, so read a failure against the resampled-burst average too.
        Assert.True(summary.Throughput >= Reference("bfio", "throughput_tokens_per_sec"),
            $"throughput {summary.Throughput:F0} vs bfio-ref {Reference("bfio", "throughput_tokens_per_sec"):F0}");
    }

    [Fact]
    public void Bfio_learning_online_without_any_oracle_beats_the_reference_bfio_without_lookahead()
    {
        var summary = Run("bfio:predictor=online");
        Assert.True(summary.AvgImbalance < Reference("bfio-h0", "avg_gpu_imbalance"),
            $"bfio online {summary.AvgImbalance:F0} vs bfio-ref H=0 {Reference("bfio-h0", "avg_gpu_imbalance"):F0}");
        Assert.True(summary.Throughput >= Reference("bfio", "throughput_tokens_per_sec"),
            $"bfio online throughput {summary.Throughput:F0} vs bfio-ref {Reference("bfio", "throughput_tokens_per_sec"):F0}");
    }

    [Fact]
    public void Bfio_without_lookahead_still_beats_the_reference_bfio_without_lookahead()
    {
        var summary = Run("bfio:predictor=none");
        Assert.True(summary.AvgImbalance < Reference("bfio-h0", "avg_gpu_imbalance"),
            $"bfio none {summary.AvgImbalance:F0} vs bfio-ref H=0 {Reference("bfio-h0", "avg_gpu_imbalance"):F0}");
    }

    [Fact]
    public void Bfio_is_work_conserving_and_no_request_waits_longer_than_the_hard_bound()
    {
        var fixture = Burst.Value;
        var inner = PolicyCatalog.Create("bfio:maxwait=40;turnovers=0");
        var probe = new WaitProbe(inner);
        Simulator.Run(fixture.Workload, probe, new SimulationOptions(new ClusterShape(fixture.Ranks, fixture.BatchSize)) { RecordSteps = false });
        Assert.Empty(probe.Violations);
        Assert.InRange(probe.LongestWait, 0, 40);
        // The fixture has 14,117-token prompts: the rank holds are exercised, not vacuous.
        Assert.True(probe.MostHolds > 0);
    }

    /// <summary>
    /// Checks every call admits min(|queue|, Σ free) less what rank holds withhold (one request and, where the
    /// held rank has one, one slot per hold), and records how long each request waited.
    /// </summary>
    private sealed class WaitProbe(IPlacementPolicy inner) : IPlacementPolicy
    {
        private readonly Dictionary<int, int> _seen = [];
        public string Name => inner.Name;
        public List<string> Violations { get; } = [];
        public int LongestWait { get; private set; }
        public int MostHolds { get; private set; }

        public void Place(ClusterView state)
        {
            foreach (var id in state.Queue) _seen.TryAdd(id, state.Step);
            var queued = state.QueueCount;
            var free = state.TotalFreeSlots();
            var before = state.Admissions.Count;
            inner.Place(state);
            var admitted = state.Admissions.Count - before;
            var holds = inner is BfioPolicy bfio ? bfio.HeldRanks : [];
            var heldSlots = 0;
            foreach (var g in holds) if (state.FreeSlots(g) > 0) heldSlots++;
            MostHolds = Math.Max(MostHolds, holds.Length);
            var expected = Math.Min(queued - holds.Length, free - heldSlots);
            if (admitted != expected) Violations.Add($"step {state.Step}: admitted {admitted}, expected {expected}");
            for (var k = before; k < state.Admissions.Count; k++)
                LongestWait = Math.Max(LongestWait, state.Step - _seen[state.Admissions[k].RequestId]);
        }
    }

    [Fact]
    public void Bfio_parameters_are_read_from_the_policy_spec_and_defaults()
    {
        var policy = (BfioPolicy)PolicyCatalog.Create("bfio:predictor=noisy;noise=0.3;h=5;decay=0.5;w0=2;aging=10;maxwait=20;reserve=4");
        Assert.Equal("noisy", policy.Predictor.Name);
        Assert.Equal(0.3, ((NoisyPredictor)policy.Predictor).Noise);
        Assert.Equal(new BfioSettings { Horizon = 5, Decay = 0.5, NowWeight = 2, AgingSteps = 10, MaxWaitSteps = 20, ReserveAfterSteps = 4 }, policy.Settings);
        var holds = (BfioPolicy)PolicyCatalog.Create("bfio:reserve=-1;oversize=0.5");
        Assert.Equal(new BfioSettings { ReserveAfterSteps = -1, OversizeShare = 0.5 }, holds.Settings);
        var fromDefaults = (BfioPolicy)PolicyCatalog.Create(PolicySpec.Parse("bfio"), new PolicyDefaults { Predictor = "online", BfioHorizon = 9 });
        Assert.Equal("online", fromDefaults.Predictor.Name);
        Assert.Equal(9, fromDefaults.Settings.Horizon);
    }
}
