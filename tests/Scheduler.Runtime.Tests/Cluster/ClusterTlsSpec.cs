using System.Diagnostics;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Scheduler.Runtime.Hosting;
using Xunit.Abstractions;

namespace Scheduler.Runtime.Tests.Cluster;

/// <summary>Certificates made once per test run by the project's own scripts/make-certs.sh (Debian's openssl): the
/// cluster's CA with nodes a, b, and a rogue CA with node r.</summary>
internal static class TestCertificates
{
    private static readonly Lazy<string> Made = new(() =>
    {
        var dir = Directory.CreateTempSubdirectory("scheduler-certs-").FullName;
        Run(Path.Combine(dir, "cluster"), "a", "b");
        Run(Path.Combine(dir, "rogue"), "r");
        return dir;
    });

    public static ClusterTlsSettings Node(string name) =>
        new(true, Path.Combine(Made.Value, "cluster", name + ".pfx"), "scheduler", Path.Combine(Made.Value, "cluster", "ca.pem"));

    /// <summary>Signed by another CA; it trusts that CA, so only the cluster's side can refuse it.</summary>
    public static ClusterTlsSettings Rogue() =>
        new(true, Path.Combine(Made.Value, "rogue", "r.pfx"), "scheduler", Path.Combine(Made.Value, "rogue", "ca.pem"));

    private static void Run(string dir, params string[] nodes)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Scheduler.sln"))) root = root.Parent;
        var start = new ProcessStartInfo(Path.Combine(root!.FullName, "scripts", "make-certs.sh")) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dir);
        foreach (var node in nodes) start.ArgumentList.Add(node);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"scripts/make-certs.sh failed: {error}");
    }
}

/// <summary>
/// Nobody joins who does not belong: nodes on loopback with the runtime's cluster settings and mutual TLS. Two nodes
/// signed by the cluster's CA form a cluster; a node whose certificate another CA signed, and a node without TLS, are
/// refused at the handshake: they never become members and no message of theirs reaches an actor.
/// </summary>
public sealed class ClusterTlsSpec(ITestOutputHelper output) : TestKit(Setup(TestCertificates.Node("a")), "scheduler", output)
{
    private static Config NodeConfig(bool tls)
    {
        var config = ConfigurationFactory.ParseString("""
            akka.remote.dot-netty.tcp.hostname = 127.0.0.1
            akka.remote.dot-netty.tcp.port = 0
            akka.coordinated-shutdown.exit-clr = off
            akka.test.timefactor = 1
            """).WithFallback(RuntimeConfig.Defaults);
        return tls ? ClusterTls.Hocon.WithFallback(config) : config;
    }

    private static ActorSystemSetup Setup(ClusterTlsSettings? tls) =>
        ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(NodeConfig(tls is not null))).With(tls ?? new ClusterTlsSettings(false, "", "", ""));

    private Address Seed => Akka.Cluster.Cluster.Get(Sys).SelfAddress;

    /// <summary>The seed as a node of that kind addresses it: a node without TLS speaks plain TCP to the seed's port.</summary>
    private Address SeedFor(ClusterTlsSettings? tls) => tls is null ? new Address("akka.tcp", Seed.System, Seed.Host, Seed.Port) : Seed;

    private ActorSystem StartNode(ClusterTlsSettings? tls)
    {
        var node = ActorSystem.Create("scheduler", Setup(tls));
        // Not the async join: it would wait for a membership an intruder never gets.
        Akka.Cluster.Cluster.Get(node).JoinSeedNodes([SeedFor(tls)]);
        return node;
    }

    private async Task SeedUp()
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Akka.Cluster.Cluster.Get(Sys).RegisterOnMemberUp(up.SetResult);
        await Akka.Cluster.Cluster.Get(Sys).JoinAsync(Seed);
        await up.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Two_nodes_signed_by_the_cluster_CA_form_a_cluster_over_TLS()
    {
        await SeedUp();
        var b = StartNode(TestCertificates.Node("b"));
        try
        {
            var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Akka.Cluster.Cluster.Get(b).RegisterOnMemberUp(up.SetResult);
            await up.Task.WaitAsync(TimeSpan.FromSeconds(30));
            // A message crosses the TLS link.
            b.ActorSelection(TestActor.Path.ToStringWithAddress(Seed)).Tell("over tls");
            await ExpectMsgAsync("over tls", TimeSpan.FromSeconds(10));
        }
        finally
        {
            await b.Terminate();
        }
    }

    [Theory]
    [InlineData("a certificate another CA signed")]
    [InlineData("no TLS")]
    public async Task A_node_that_does_not_belong_is_refused_and_none_of_its_messages_reach_an_actor(string intruder)
    {
        await SeedUp();
        Akka.Cluster.Cluster.Get(Sys).Subscribe(TestActor, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberJoined),
            typeof(ClusterEvent.MemberUp));
        await ExpectMsgAsync<ClusterEvent.MemberUp>(m => m.Member.Address == Seed);

        var tls = intruder == "no TLS" ? null : TestCertificates.Rogue();
        var node = StartNode(tls);
        try
        {
            node.ActorSelection(TestActor.Path.ToStringWithAddress(SeedFor(tls))).Tell("let me in");
            // Neither a join nor the message: the handshake never completes, so nothing of the intruder's is read.
            // (Time factor 1 here: the wait is for an absence, and a longer one proves no more.)
            await ExpectNoMsgAsync(TimeSpan.FromSeconds(5));
            Assert.Single(Akka.Cluster.Cluster.Get(Sys).State.Members);
            Assert.DoesNotContain(Akka.Cluster.Cluster.Get(node).State.Members, m => m.Status == MemberStatus.Up);
        }
        finally
        {
            await node.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
