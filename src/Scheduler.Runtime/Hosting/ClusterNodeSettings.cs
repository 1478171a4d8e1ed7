using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Akka.Actor;
using Akka.Configuration;

namespace Scheduler.Runtime.Hosting;

/// <summary>What a node of the cluster does. A node may have several roles; all three make a cluster of one.</summary>
public static class NodeRoles
{
    /// <summary>Runs the balancer and the step barrier (the placement policy and the step loop).</summary>
    public const string Balancer = "balancer";

    /// <summary>Hosts rank entities (one per GPU): sharding places ranks only on nodes with this role.</summary>
    public const string RankHost = "rank-host";

    /// <summary>Reads a source and writes its results.</summary>
    public const string Ingress = "ingress";

    public static readonly ImmutableArray<string> All = [Balancer, RankHost, Ingress];

    /// <summary>The role a rank host declares its rank count in (<c>local-ranks=16</c>), so that the shard coordinator,
    /// wherever it runs, sees every host's capacity in the cluster's membership.</summary>
    public const string LocalRanksPrefix = "local-ranks=";

    /// <summary>The rank count a member's roles declare, or 0.</summary>
    public static int LocalRanksOf(IEnumerable<string> roles)
    {
        foreach (var role in roles)
            if (role.StartsWith(LocalRanksPrefix, StringComparison.Ordinal)
                && int.TryParse(role.AsSpan(LocalRanksPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                return n;
        return 0;
    }
}

/// <summary>
/// This node's place in the cluster (<c>scheduler.cluster</c>; <c>scheduler serve</c>'s --roles, --host, --port,
/// --seed-nodes, --local-ranks and --insecure override it, and an environment variable SCHEDULER_CLUSTER_&lt;KEY&gt;
/// overrides the file): its roles, where remoting binds, whom it joins, how many ranks it hosts, and whether it may speak
/// plain TCP beyond loopback.
/// </summary>
public sealed record ClusterNodeSettings(
    ImmutableArray<string> Roles,
    string Host,
    int Port,
    ImmutableArray<string> SeedNodes,
    int LocalRanks,
    bool Insecure)
{
    public const string Section = "scheduler.cluster";

    /// <summary>All roles, on loopback, joining itself: the embedded cluster of one.</summary>
    public static readonly ClusterNodeSettings SingleNode = new(NodeRoles.All, "127.0.0.1", 0, [], 0, false);

    public bool Has(string role) => Roles.Contains(role);

    /// <summary>No seed nodes: the node joins itself (a cluster of one, or the first node of a cluster).</summary>
    public bool JoinsSelf => SeedNodes.IsEmpty;

    /// <summary>Every role and no seeds: the embedded cluster of one, where the balancer need not be a singleton.</summary>
    public bool IsClusterOfOne => JoinsSelf && NodeRoles.All.All(Has);

    public static ClusterNodeSettings FromConfig(Config root, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var c = new ConfigValues(root, Section);
        string Raw(string key, Func<string> fromConfig) =>
            environment($"SCHEDULER_CLUSTER_{key.Replace('-', '_').ToUpperInvariant()}") is { Length: > 0 } env ? env : fromConfig();
        string List(string key) => root.GetStringList($"{Section}.{key}") is { Count: > 0 } list ? string.Join(",", list) : "";
        var roles = Raw("roles", () => List("roles"));
        var seeds = Raw("seed-nodes", () => List("seed-nodes"));
        var port = Raw("port", () => c.Int("port").ToString(CultureInfo.InvariantCulture));
        var localRanks = Raw("local-ranks", () => c.Int("local-ranks").ToString(CultureInfo.InvariantCulture));
        var insecure = Raw("insecure", () => c.Boolean("insecure") ? "on" : "off");
        return Parse(roles, Raw("host", () => c.String("host")), port, seeds, localRanks, insecure, c.Invalid);
    }

    /// <summary>Settings from their text forms (config, environment or command line); <paramref name="invalid"/> makes
    /// the error naming the key.</summary>
    public static ClusterNodeSettings Parse(string roles, string host, string port, string seedNodes, string localRanks, string insecure,
        Func<string, object?, string, Exception> invalid)
    {
        var roleList = Split(roles);
        if (roleList.IsEmpty) roleList = NodeRoles.All;
        foreach (var role in roleList)
            if (!NodeRoles.All.Contains(role)) throw invalid("roles", roles, $"unknown role '{role}'; roles are {string.Join(", ", NodeRoles.All)}");
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var portNumber) || portNumber > 65535)
            throw invalid("port", port, "must be a port 0..65535 (0: any free one)");
        if (!int.TryParse(localRanks, NumberStyles.None, CultureInfo.InvariantCulture, out var local) || local > 100_000)
            throw invalid("local-ranks", localRanks, "must be 0..100000 (0: all of --ranks, on a node that is also the balancer)");
        var seeds = Split(seedNodes);
        foreach (var seed in seeds)
        {
            try
            {
                var address = Address.Parse(seed);
                if (address.Host is null || address.Port is null) throw new UriFormatException("no host or port");
            }
            catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
            {
                throw invalid("seed-nodes", seed, "not an address akka.tcp://scheduler@HOST:PORT (akka.ssl.tcp:// with TLS)");
            }
        }
        var plainTcp = insecure.Trim().ToLowerInvariant() switch
        {
            "on" or "true" or "yes" => true,
            "off" or "false" or "no" or "" => false,
            _ => throw invalid("insecure", insecure, "must be on or off"),
        };
        if (string.IsNullOrWhiteSpace(host)) throw invalid("host", host, "must name the address remoting binds to");
        return new ClusterNodeSettings([.. roleList.Distinct()], host.Trim(), portNumber, seeds, local, plainTcp);
    }

    /// <summary>Checks what depends on the rest of the configuration: the total rank count and TLS.</summary>
    public ClusterNodeSettings Validated(int totalRanks, bool tls, Func<string, object?, string, Exception> invalid)
    {
        if (Has(NodeRoles.RankHost) && !Has(NodeRoles.Balancer) && LocalRanks == 0)
            throw invalid("local-ranks", LocalRanks, "a rank host that is not the balancer must say how many ranks it hosts");
        if (LocalRanks > totalRanks && Has(NodeRoles.Balancer))
            throw invalid("local-ranks", LocalRanks, $"more than the {totalRanks} ranks of the cluster");
        if (!IsLoopback(Host) && !tls && !Insecure)
            throw invalid("host", Host,
                "binds beyond loopback: turn on mutual TLS (scheduler.cluster.tls; scripts/make-certs.sh makes test certificates) or pass --insecure");
        foreach (var seed in SeedNodes)
        {
            var scheme = Address.Parse(seed).Protocol;
            if (tls != (scheme == "akka.ssl.tcp"))
                throw invalid("seed-nodes", seed, tls ? "TLS is on: seed addresses are akka.ssl.tcp://…" : "TLS is off: seed addresses are akka.tcp://…");
        }
        return this;
    }

    /// <summary>The ranks this node hosts: <see cref="LocalRanks"/>, or every rank when it is 0 on a node that is also
    /// the balancer; 0 on a node without the rank-host role.</summary>
    public int HostedRanks(int totalRanks) => !Has(NodeRoles.RankHost) ? 0 : LocalRanks > 0 ? LocalRanks : totalRanks;

    /// <summary>Akka settings for this node: remoting's address, the member roles (with the declared rank count), the seeds.</summary>
    public Config ToAkkaConfig(int totalRanks)
    {
        var roles = Roles.ToList();
        if (HostedRanks(totalRanks) is > 0 and var hosted) roles.Add(NodeRoles.LocalRanksPrefix + hosted.ToString(CultureInfo.InvariantCulture));
        static string Quoted(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        return ConfigurationFactory.ParseString($"""
            akka.remote.dot-netty.tcp.hostname = {Quoted(Host)}
            akka.remote.dot-netty.tcp.port = {Port.ToString(CultureInfo.InvariantCulture)}
            akka.cluster.roles = [{string.Join(", ", roles.Select(Quoted))}]
            akka.cluster.seed-nodes = [{string.Join(", ", SeedNodes.Select(Quoted))}]
            scheduler.runtime.cluster.join-self = {(JoinsSelf ? "on" : "off")}
            """);
    }

    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static ImmutableArray<string> Split(string text) =>
        [.. text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
