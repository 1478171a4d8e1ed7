using System.Diagnostics;

namespace Scheduler.Cli.Tests.Processes.Cluster;

/// <summary>
/// <c>scheduler serve</c> nodes speaking mutual TLS (scheduler.cluster.tls in a --config file, certificates from
/// scripts/make-certs.sh): a rank host signed by the cluster's CA serves; one signed by another CA is refused at the
/// handshake, never becomes a member and gets no rank.
/// </summary>
[Collection("cluster")]
public sealed class ClusterTlsServeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-cluster-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void MakeCerts(string dir, params string[] nodes)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Scheduler.sln"))) root = root.Parent;
        var start = new ProcessStartInfo(Path.Combine(root!.FullName, "scripts", "make-certs.sh")) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(_dir, dir));
        foreach (var node in nodes) start.ArgumentList.Add(node);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
    }

    private string TlsConfig(string name, string ca, string node)
    {
        var path = Path.Combine(_dir, name + ".conf");
        File.WriteAllText(path, $$"""
            scheduler.cluster.tls {
              enabled = on
              certificate = "{{Path.Combine(_dir, ca, node + ".pfx")}}"
              password = "scheduler"
              ca = "{{Path.Combine(_dir, ca, "ca.pem")}}"
            }
            """);
        return path;
    }

    [Fact]
    public async Task Nodes_signed_by_the_cluster_s_ca_serve_over_tls_and_a_rank_host_signed_by_another_ca_is_refused()
    {
        MakeCerts("cluster", "balancer", "rank");
        MakeCerts("rogue", "intruder");
        var requests = Path.Combine(_dir, "requests.jsonl");
        await File.WriteAllLinesAsync(requests, Enumerable.Range(0, 2_000).Select(i => $"{{\"id\": \"t{i}\", \"prompt_tokens\": {100 + i % 900}, \"output_tokens\": {1 + i % 9}}}"));

        await using var cluster = new LocalCluster(_dir) { Scheme = "akka.ssl.tcp" };
        var balancer = cluster.StartBalancer("file:" + requests, ranks: 4, batch: 32, "0", "--config", TlsConfig("balancer", "cluster", "balancer"));
        var intruder = cluster.StartRankHost(4, 4, batch: 32, "0", "--config", TlsConfig("intruder", "rogue", "intruder"));
        // The balancer refuses the intruder's certificate at the handshake.
        await balancer.WaitForStderrAsync(l => l.Contains("is not signed by the cluster's CA", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        Assert.DoesNotContain(balancer.StderrLines, l => l.Contains("rank hosts declare 4 of 4", StringComparison.Ordinal));

        cluster.StartRankHost(4, 4, batch: 32, "0", "--config", TlsConfig("rank", "cluster", "rank"));
        Assert.True(await balancer.ExitAsync(TimeSpan.FromMinutes(2)) == 0, balancer.Stderr);
        var results = cluster.ReadResults();
        Assert.Equal(2_000, results.Count);
        Assert.All(results, r => Assert.Equal("completed", r.Status));
        Assert.DoesNotContain(intruder.StderrLines, l => l.Contains("up, declaring", StringComparison.Ordinal));
    }
}
