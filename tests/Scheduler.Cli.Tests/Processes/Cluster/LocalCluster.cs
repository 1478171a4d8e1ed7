using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Scheduler.Cli.Tests.Processes.Cluster;

/// <summary>
/// <c>scheduler serve</c> nodes as real processes on loopback, ports chosen free at run time: a balancer+ingress node
/// (the seed) and rank hosts that join it.
/// </summary>
internal sealed class LocalCluster(string dir) : IAsyncDisposable
{
    private readonly List<SchedulerProcess> _nodes = [];

    public int SeedPort { get; } = FreePort();

    /// <summary>akka.ssl.tcp once the nodes speak TLS.</summary>
    public string Scheme { get; init; } = "akka.tcp";

    public string Seed => $"{Scheme}://scheduler@127.0.0.1:{SeedPort}";

    public SchedulerProcess? Balancer { get; private set; }

    public List<SchedulerProcess> RankHosts { get; } = [];

    public string Results => Path.Combine(dir, "results.jsonl");

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The balancer+ingress node on <paramref name="source"/>, the cluster's seed.</summary>
    public SchedulerProcess StartBalancer(string source, int ranks, int batch, string timeScale = "0", params string[] more) =>
        StartBalancer(source, "file:" + Results, ranks, batch, timeScale, more);

    /// <summary>The balancer+ingress node, the cluster's seed, writing its results to <paramref name="results"/>.</summary>
    public SchedulerProcess StartBalancer(string source, string results, int ranks, int batch, string timeScale, params string[] more)
    {
        Balancer = Start([
            "serve", "--roles", "balancer,ingress", "--port", SeedPort.ToString(), "--ranks", ranks.ToString(), "--batch", batch.ToString(),
            "--source", source, "--results", results, "--time-scale", timeScale, "--http", "off", "--metrics-snapshot", "",
            "--format", "json", "--progress-interval", "0.5", .. more,
        ]);
        return Balancer;
    }

    /// <summary>Another balancer+ingress node joining the seed (a standby for the balancer singleton), reading
    /// <paramref name="source"/> and writing <paramref name="results"/>.</summary>
    public SchedulerProcess StartStandbyBalancer(string source, string results, int ranks, int batch, params string[] more) =>
        Start([
            "serve", "--roles", "balancer,ingress", "--port", FreePort().ToString(), "--seed-nodes", Seed, "--ranks", ranks.ToString(),
            "--batch", batch.ToString(), "--source", source, "--results", results, "--http", "off", "--metrics-snapshot", "",
            "--format", "json", "--progress-interval", "0.5", .. more,
        ]);

    /// <summary>An ingress without the balancer, joining the seed: it reads <paramref name="source"/> into the balancer
    /// singleton and writes its own results to <paramref name="results"/>.</summary>
    public SchedulerProcess StartIngress(string source, string results, int ranks) =>
        Start([
            "serve", "--roles", "ingress", "--port", FreePort().ToString(), "--seed-nodes", Seed, "--ranks", ranks.ToString(),
            "--source", source, "--results", results, "--http", "off", "--metrics-snapshot", "", "--format", "json",
            "--progress-interval", "0.5",
        ]);

    /// <summary>A rank host declaring <paramref name="localRanks"/> ranks, joining the seed.</summary>
    /// <remarks>The engine (and its --time-scale and --batch) is the rank host's: ranks decode where they live.</remarks>
    public SchedulerProcess StartRankHost(int localRanks, int ranks, int batch, string timeScale = "0", params string[] more)
    {
        var host = Start([
            "serve", "--roles", "rank-host", "--local-ranks", localRanks.ToString(), "--ranks", ranks.ToString(), "--seed-nodes", Seed,
            "--batch", batch.ToString(), "--time-scale", timeScale, "--http", "off", .. more,
        ]);
        RankHosts.Add(host);
        return host;
    }

    private SchedulerProcess Start(string[] args)
    {
        var node = SchedulerProcess.Start(args, dir);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Every result line of the results file, by id.</summary>
    public List<(string Id, string Status, int Rank)> ReadResults() =>
        File.ReadLines(Results)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(r => (r.GetProperty("id").GetString()!, r.GetProperty("status").GetString()!,
                r.TryGetProperty("rank", out var rank) && rank.ValueKind == JsonValueKind.Number ? rank.GetInt32() : -1))
            .ToList();

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
    }
}
