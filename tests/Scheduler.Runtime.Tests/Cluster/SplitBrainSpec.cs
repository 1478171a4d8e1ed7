using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Remote;
using Akka.Remote.Transport;
using Scheduler.Runtime.Hosting;
using Xunit.Abstractions;

namespace Scheduler.Runtime.Tests.Cluster;

/// <summary>
/// Three nodes in one process on loopback, with the runtime's own cluster settings (config/scheduler.conf: keep-majority,
/// stable-after 3 s). Akka.Remote's throttler transport blackholes the links to one node, as a cut cable would: the
/// majority downs it, and it downs itself, so the two sides never both go on.
/// </summary>
public sealed class SplitBrainSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<ActorSystem> _systems = [];

    private static Config NodeConfig() => ConfigurationFactory.ParseString("""
        akka.remote.dot-netty.tcp.applied-adapters = [trttl]
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.cluster.log-info = off
        akka.coordinated-shutdown.exit-clr = off
        """).WithFallback(RuntimeConfig.Defaults);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var system in _systems) await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static Address AddressOf(ActorSystem system) => ((ExtendedActorSystem)system).Provider.DefaultAddress;

    [Fact]
    public async Task A_node_cut_off_from_the_other_two_is_downed_by_them_and_downs_itself()
    {
        for (var i = 0; i < 3; i++) _systems.Add(ActorSystem.Create("scheduler", NodeConfig()));
        var seed = Akka.Cluster.Cluster.Get(_systems[0]).SelfAddress;
        var up = _systems.Select(system =>
        {
            var memberUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(memberUp.SetResult);
            return memberUp.Task;
        }).ToList();
        foreach (var system in _systems) await Akka.Cluster.Cluster.Get(system).JoinSeedNodesAsync([seed]);
        await Task.WhenAll(up).WaitAsync(TimeSpan.FromSeconds(30));

        var (a, b, cut) = (_systems[0], _systems[1], _systems[2]);
        var cutAddress = Akka.Cluster.Cluster.Get(cut).SelfAddress;
        var removedOnMajority = new[] { a, b }.Select(side =>
        {
            var removal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            side.ActorOf(Props.Create(() => new RemovalWatcher(cutAddress, removal)));
            return removal.Task;
        }).ToList();
        var clock = Stopwatch.StartNew();
        foreach (var side in new[] { a, b })
        {
            var transport = ((RemoteActorRefProvider)((ExtendedActorSystem)side).Provider).Transport;
            Assert.True(await transport.ManagementCommand(new SetThrottle(AddressOf(cut), ThrottleTransportAdapter.Direction.Both, Blackhole.Instance)));
        }

        // The majority removes the cut node...
        await Task.WhenAll(removedOnMajority).WaitAsync(TimeSpan.FromSeconds(60));
        var removed = clock.Elapsed;
        // ...and the cut node, a minority of one, downs itself: its actor system stops.
        await cut.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(60));
        var terminated = clock.Elapsed;
        Assert.All(new[] { a, b }, s => Assert.False(s.WhenTerminated.IsCompleted));
        Assert.Equal(2, Akka.Cluster.Cluster.Get(a).State.Members.Count(m => m.Status == MemberStatus.Up));
        output.WriteLine($"cut at 0 s: removed by the majority after {removed.TotalSeconds:F1} s; the cut node stopped itself after {terminated.TotalSeconds:F1} s");
    }

    /// <summary>Completes <paramref name="removal"/> when this node's cluster removes <paramref name="address"/>.</summary>
    private sealed class RemovalWatcher : ReceiveActor
    {
        public RemovalWatcher(Address address, TaskCompletionSource removal)
        {
            Receive<ClusterEvent.MemberRemoved>(e =>
            {
                if (e.Member.Address == address) removal.TrySetResult();
            });
            ReceiveAny(_ => { });
        }

        protected override void PreStart() =>
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));
    }
}
