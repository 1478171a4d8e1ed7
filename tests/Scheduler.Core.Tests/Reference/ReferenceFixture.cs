using System.Globalization;
using System.Text.Json;
using Scheduler.Core.Model;
using Scheduler.Core.Traces;

namespace Scheduler.Core.Tests.Reference;

/// <summary>One set of the reference simulator's outputs under data/fixtures: its requests, configuration,
/// expected summaries per policy and the admissions of every policy.</summary>
public sealed class ReferenceFixture
{
    private readonly string _prefix;
    private readonly JsonElement _expected;

    public ReferenceFixture(string requestsName, string configName)
    {
        var dir = FixtureDirectory();
        _prefix = Path.Combine(dir, configName);
        Workload = LoadRequests(Path.Combine(dir, requestsName));
        _expected = JsonDocument.Parse(File.ReadAllText(_prefix + ".expected.json")).RootElement;
    }

    public Workload Workload { get; }
    public int Ranks => _expected.GetProperty("G").GetInt32();
    public int BatchSize => _expected.GetProperty("B").GetInt32();
    public int Horizon => _expected.GetProperty("bfio_horizon").GetInt32();
    public double OverheadSeconds => _expected.GetProperty("C").GetDouble();
    public double TokenSeconds => _expected.GetProperty("t_length").GetDouble();
    public int RevealWindow => _expected.GetProperty("reveal_window").GetInt32();

    public JsonElement Expected(string policyKey) => _expected.GetProperty("strategies").GetProperty(policyKey);

    public IReadOnlyList<Admission> Admissions(string policyKey)
    {
        var lines = File.ReadAllLines($"{_prefix}.{policyKey}.assignments.csv");
        var list = new List<Admission>(lines.Length);
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var f = lines[i].Split(',');
            list.Add(new Admission(int.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture), int.Parse(f[2], CultureInfo.InvariantCulture)));
        }
        return list;
    }

    public static string FixtureDirectory() => RepoPaths.Data("fixtures");

    private static Workload LoadRequests(string path) => RequestCsvReader.Read(path);
}
