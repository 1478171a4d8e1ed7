using System.Globalization;
using System.Text.Json;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;

namespace Scheduler.Runtime.Tests.Fixtures;

/// <summary>One set of the reference simulator's outputs under data/fixtures (the same files the core's
/// reference tests read; loaded here without Scheduler.Core.Traces).</summary>
public sealed class ReferenceFixture
{
    public static readonly Lazy<ReferenceFixture> Large = new(() => new("burst-n20000-seed42.requests.csv", "burst-n20000-seed42.g32-b72"));
    public static readonly Lazy<ReferenceFixture> Small = new(() => new("burst-n20000-seed7.requests.csv", "burst-n20000-seed7.g16-b32"));

    public static ReferenceFixture Named(string set) => set switch
    {
        "g32-b72" => Large.Value,
        "g16-b32" => Small.Value,
        _ => throw new ArgumentException($"no fixture set '{set}'"),
    };

    private readonly JsonElement _expected;

    public ReferenceFixture(string requestsName, string configName)
    {
        var dir = Directory();
        RequestsPath = Path.Combine(dir, requestsName);
        Workload = LoadRequests(RequestsPath);
        _expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, configName + ".expected.json"))).RootElement;
    }

    public string RequestsPath { get; }
    public Workload Workload { get; }
    public int Ranks => _expected.GetProperty("G").GetInt32();
    public int BatchSize => _expected.GetProperty("B").GetInt32();
    public int Horizon => _expected.GetProperty("bfio_horizon").GetInt32();
    public ClusterShape Shape => new(Ranks, BatchSize);

    /// <summary>The reference policy a fixture key names, as the catalog builds it.</summary>
    public IPlacementPolicy Policy(string key) => key switch
    {
        "fcfs" => PolicyCatalog.Create("fcfs"),
        "jsq" => PolicyCatalog.Create("jsq"),
        "round-robin" => PolicyCatalog.Create("round-robin"),
        "bfio-h0" => PolicyCatalog.Create("bfio-ref:h=0"),
        "bfio" => PolicyCatalog.Create($"bfio-ref:h={Horizon}"),
        _ => throw new ArgumentException($"no reference policy '{key}'"),
    };

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Scheduler.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root (Scheduler.sln) not found above " + AppContext.BaseDirectory);
    }

    private static string Directory() => Path.Combine(RepositoryRoot(), "data", "fixtures");

    private static Workload LoadRequests(string path) => Scheduler.Core.Traces.RequestCsvReader.Read(path);
}
