using Akka.Configuration;
using Scheduler.Runtime.Hosting;

namespace Scheduler.Runtime.Tests.Hosting;

/// <summary>A node's place in the cluster from HOCON, the environment and the command line: defaults, overrides,
/// and every bad value named by its key.</summary>
public sealed class ClusterNodeSettingsTests
{
    private static Exception Invalid(string key, object? value, string rule) => new ArgumentException($"{key} = {value}: {rule}");

    private static ClusterNodeSettings Parse(string roles = "", string host = "127.0.0.1", string port = "0", string seeds = "", string local = "0", string insecure = "off") =>
        ClusterNodeSettings.Parse(roles, host, port, seeds, local, insecure, Invalid);

    [Fact]
    public void The_defaults_are_a_cluster_of_one_on_loopback_with_every_role()
    {
        var node = ClusterNodeSettings.FromConfig(RuntimeConfig.Defaults, _ => null);
        Assert.Equal(NodeRoles.All.ToArray(), node.Roles.ToArray());
        Assert.Equal(("127.0.0.1", 0, false), (node.Host, node.Port, node.Insecure));
        Assert.True(node.IsClusterOfOne);
        Assert.Equal(8, node.HostedRanks(8));
    }

    [Fact]
    public void The_environment_wins_over_the_file()
    {
        var file = ConfigurationFactory.ParseString("scheduler.cluster { roles = [rank-host], local-ranks = 4, port = 4053 }").WithFallback(RuntimeConfig.Defaults);
        var env = new Dictionary<string, string> { ["SCHEDULER_CLUSTER_LOCAL_RANKS"] = "16", ["SCHEDULER_CLUSTER_SEED_NODES"] = "akka.tcp://scheduler@10.0.0.1:4053" };
        var node = ClusterNodeSettings.FromConfig(file, k => env.GetValueOrDefault(k));
        Assert.Equal([NodeRoles.RankHost], node.Roles.ToArray());
        Assert.Equal((16, 4053), (node.LocalRanks, node.Port));
        Assert.Equal(["akka.tcp://scheduler@10.0.0.1:4053"], node.SeedNodes.ToArray());
        Assert.False(node.IsClusterOfOne);
    }

    [Theory]
    [InlineData("balancer,gpu", "127.0.0.1", "0", "", "0", "roles")]
    [InlineData("", "127.0.0.1", "70000", "", "0", "port")]
    [InlineData("", "127.0.0.1", "0", "scheduler@host", "0", "seed-nodes")]
    [InlineData("", "127.0.0.1", "0", "", "-1", "local-ranks")]
    [InlineData("", "", "0", "", "0", "host")]
    public void A_bad_value_names_its_key(string roles, string host, string port, string seeds, string local, string key)
    {
        var e = Assert.Throws<ArgumentException>(() => Parse(roles, host, port, seeds, local));
        Assert.StartsWith(key + " = ", e.Message);
    }

    [Fact]
    public void Beyond_loopback_a_node_needs_tls_or_an_explicit_insecure()
    {
        var exposed = Parse(host: "10.0.0.5");
        Assert.Contains("TLS", Assert.Throws<ArgumentException>(() => exposed.Validated(8, tls: false, Invalid)).Message);
        exposed.Validated(8, tls: true, Invalid);
        Parse(host: "10.0.0.5", insecure: "on").Validated(8, tls: false, Invalid);
        Parse(host: "localhost").Validated(8, tls: false, Invalid);
    }

    [Fact]
    public void Seed_addresses_must_speak_the_node_s_transport_and_a_lone_rank_host_must_declare_its_ranks()
    {
        var plain = Parse(seeds: "akka.tcp://scheduler@127.0.0.1:4053");
        Assert.Contains("akka.ssl.tcp", Assert.Throws<ArgumentException>(() => plain.Validated(8, tls: true, Invalid)).Message);
        Assert.StartsWith("local-ranks", Assert.Throws<ArgumentException>(() => Parse(roles: "rank-host").Validated(8, tls: false, Invalid)).Message);
        Assert.Equal(4, Parse(roles: "rank-host", local: "4").Validated(8, false, Invalid).HostedRanks(8));
        Assert.Equal(0, Parse(roles: "balancer,ingress").HostedRanks(8));
    }

    [Fact]
    public void The_akka_settings_carry_the_address_the_roles_with_the_declared_ranks_and_the_seeds()
    {
        var config = Parse(roles: "rank-host", host: "127.0.0.2", port: "4060", seeds: "akka.tcp://scheduler@127.0.0.1:4053", local: "16").ToAkkaConfig(32);
        Assert.Equal("127.0.0.2", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(4060, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(["rank-host", "local-ranks=16"], config.GetStringList("akka.cluster.roles"));
        Assert.Equal(["akka.tcp://scheduler@127.0.0.1:4053"], config.GetStringList("akka.cluster.seed-nodes"));
        Assert.False(config.GetBoolean("scheduler.runtime.cluster.join-self"));
        Assert.Equal(16, NodeRoles.LocalRanksOf(config.GetStringList("akka.cluster.roles")));
    }
}
