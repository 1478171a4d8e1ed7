using System.Collections.Immutable;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Scheduler.Core.Model;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Actors;

/// <summary>
/// The barrier on this actor system, its four ranks on a second one (another node, over a real connection). A probe stands
/// in for the rank region (it passes individual ticks on to the ranks) and for the host's agent (the host's /user/rank-host
/// passes what it gets on to it), so the spec sees which way each step's ticks go.
/// </summary>
public sealed class BarrierHostBatchingSpec() : TestKit(TestConfig.Remote()), IAsyncLifetime
{
    private const int Ranks = 4;
    private static readonly ImmutableArray<long> Admitted = [0, 0, 0, 0];
    private readonly ActorSystem _host = ActorSystem.Create("host", TestConfig.Remote());
    private TestProbe _wire = null!;
    private IActorRef _agent = null!;

    public async Task InitializeAsync()
    {
        _host.ActorOf(LocalRankHost.Props(LocalRuntime.CostEngines(new ClusterShape(Ranks, 8))), "ranks");
        var hostRanks = await Sys.ActorSelection(new RootActorPath(AddressOf(_host)) / "user" / "ranks").ResolveOne(TimeSpan.FromSeconds(10));
        _wire = CreateTestProbe();
        // Individual ticks go on to the ranks, the barrier still their sender, as the region would pass them.
        _wire.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is Tick) hostRanks.Tell(message, sender);
            return AutoPilot.KeepRunning;
        }));
        var wireFromHost = await _host.ActorSelection(_wire.Ref.Path.ToStringWithAddress(AddressOf(Sys))).ResolveOne(TimeSpan.FromSeconds(10));
        _agent = _host.ActorOf(Props.Create(() => new PassOn(wireFromHost)), RankHostAgent.Name);
    }

    public Task DisposeAsync() => _host.Terminate().WaitAsync(TimeSpan.FromSeconds(10));

    private static Address AddressOf(ActorSystem system) => ((ExtendedActorSystem)system).Provider.DefaultAddress;

    [Fact]
    public async Task Once_its_ranks_have_answered_a_host_gets_a_step_as_one_host_tick_and_after_a_timeout_its_ranks_go_one_by_one_again()
    {
        var coordinator = CreateTestProbe();
        var barrier = Sys.ActorOf(BarrierActor.Props(Ranks, _wire, new BarrierSettings(TimeSpan.FromSeconds(2), 3, true)));

        // Nothing known yet: the first step's ticks go through the region, one per rank.
        barrier.Tell(new BeginStep(1, Admitted), coordinator);
        for (var g = 0; g < Ranks; g++) Assert.Equal(1, (await _wire.ExpectMsgAsync<Tick>()).Step);
        await coordinator.ExpectMsgAsync<StepBarrierPassed>(p => p.Step == 1);

        // Their reports named the host; once its agent is identified (a round trip of its own), a step is one message to it.
        var (step, batched) = await FirstBatchedStep(barrier, coordinator, 1);
        Assert.Equal(step, batched.Step);
        Assert.Equal([0, 1, 2, 3], batched.Ticks.Select(t => t.Rank));
        Assert.All(batched.Ticks, t => Assert.NotEqual(0, t.Incarnation));
        await _wire.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

        // The agent's one answer, from the host, carries the four reports and closes the step.
        var barrierFromHost = await _host.ActorSelection(barrier.Path.ToStringWithAddress(AddressOf(Sys))).ResolveOne(TimeSpan.FromSeconds(10));
        barrierFromHost.Tell(new HostStepCompleted(step, [.. batched.Ticks.Select(t => new StepCompleted(t.Rank, step, 0.01 * t.Rank, 0, 0, []) { Incarnation = t.Incarnation })]), _agent);
        var passed = await coordinator.ExpectMsgAsync<StepBarrierPassed>(p => p.Step == step);
        Assert.Equal(0.03, passed.Duration, 9);

        // The next step goes the same way; unanswered, it times out and its ranks are ticked again one by one, through the
        // region (they may have moved), and answer from where they are.
        barrier.Tell(new BeginStep(++step, Admitted), coordinator);
        Assert.Equal(Ranks, (await _wire.ExpectMsgAsync<HostTick>()).Ticks.Length);
        Assert.Equal<int>([0, 1, 2, 3], (await coordinator.ExpectMsgAsync<RanksMissing>()).Ranks);
        for (var g = 0; g < Ranks; g++) Assert.Equal(step, (await _wire.ExpectMsgAsync<Tick>()).Step);
        await coordinator.ExpectMsgAsync<StepBarrierPassed>(p => p.Step == step);
        var statistics = await barrier.Ask<BarrierStatistics>(GetBarrierStatistics.Instance);
        Assert.Equal((0, 0), (statistics.StaleCompletions, statistics.DuplicateCompletions));
    }

    [Fact]
    public async Task The_observer_hears_each_hosts_round_trip_and_the_hosts_own_share_but_not_an_answer_to_an_older_tick()
    {
        var coordinator = CreateTestProbe();
        var heard = CreateTestProbe();
        var barrier = Sys.ActorOf(BarrierActor.Props(Ranks, _wire, new BarrierSettings(TimeSpan.FromSeconds(30), 3, true),
            observer: new HostAnswersTo(heard)));
        barrier.Tell(new BeginStep(1, Admitted), coordinator);
        for (var g = 0; g < Ranks; g++) await _wire.ExpectMsgAsync<Tick>();
        await coordinator.ExpectMsgAsync<StepBarrierPassed>(p => p.Step == 1);
        var (step, batched) = await FirstBatchedStep(barrier, coordinator, 1);
        // Ticks that went one by one through the region (the steps before) time no host.
        await heard.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        var barrierFromHost = await _host.ActorSelection(barrier.Path.ToStringWithAddress(AddressOf(Sys))).ResolveOne(TimeSpan.FromSeconds(10));
        var reports = batched.Ticks.Select(t => new StepCompleted(t.Rank, step, 0.01, 0, 0, []) { Incarnation = t.Incarnation }).ToImmutableArray();
        // An answer to another step than the host's last tick is not timed.
        barrierFromHost.Tell(new HostStepCompleted(step - 1, reports) { HostSeconds = 0.5 }, _agent);
        barrierFromHost.Tell(new HostStepCompleted(step, reports) { HostSeconds = 0.00025 }, _agent);
        await coordinator.ExpectMsgAsync<StepBarrierPassed>(p => p.Step == step);
        var answer = await heard.ExpectMsgAsync<HostAnswer>();
        var host = AddressOf(_host);
        Assert.Equal($"{host.Host}:{host.Port}", answer.Host);
        Assert.Equal(0.00025, answer.HostSeconds);
        Assert.InRange(answer.RoundTripSeconds, 0.0, 30.0);
        // A second answer to the same tick (a duplicate) is not timed again.
        barrierFromHost.Tell(new HostStepCompleted(step, reports) { HostSeconds = 0.00025 }, _agent);
        await heard.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    /// <summary>Begins steps after <paramref name="step"/>, each answered rank by rank, until the barrier sends one as a
    /// <see cref="HostTick"/> (its host's agent identified): that step, unanswered, and its ticks.</summary>
    private async Task<(int Step, HostTick Batched)> FirstBatchedStep(IActorRef barrier, TestProbe coordinator, int step)
    {
        while (step < 6)
        {
            barrier.Tell(new BeginStep(++step, Admitted), coordinator);
            var first = await _wire.ExpectMsgAsync<object>();
            if (first is HostTick hostTick) return (step, hostTick);
            for (var g = 1; g < Ranks; g++) await _wire.ExpectMsgAsync<Tick>();
            await coordinator.ExpectMsgAsync<StepBarrierPassed>(p => p.Step == step);
        }
        throw new Xunit.Sdk.XunitException("no step went out as one HostTick within five steps");
    }

    private sealed record HostAnswer(string Host, double RoundTripSeconds, double HostSeconds);

    /// <summary>Tells a probe each host answer the barrier reports.</summary>
    private sealed class HostAnswersTo(TestProbe probe) : Scheduler.Runtime.Observability.IServiceObserver
    {
        public void HostAnswered(string host, double roundTripSeconds, double hostSeconds) =>
            probe.Ref.Tell(new HostAnswer(host, roundTripSeconds, hostSeconds));

        public void RequestsAccepted(int count) { }
        public void RequestsRejected(int count) { }
        public void DuplicateDelivered() { }
        public void RequestCompleted(double queuedSeconds, double ttftSeconds, double e2eSeconds, int outputTokens) { }
        public void RequestFailed(string reason) { }
        public void StepCompleted(in Scheduler.Runtime.Observability.StepObservation step) { }
        public void DecisionTimed(double micros) { }
        public void Unacknowledged(int count) { }
        public void RanksReady(int ready, int total) { }
    }

    /// <summary>Stands at the host's /user/rank-host and passes everything on, sender kept.</summary>
    private sealed class PassOn(IActorRef target) : UntypedActor
    {
        protected override void OnReceive(object message) => target.Forward(message);
    }
}
