using System.Globalization;
using Scheduler.Core.Model;

namespace Scheduler.Runtime.Benchmarks;

/// <summary>The burst fixture's requests (data/fixtures), read without Scheduler.Core.Traces.</summary>
internal static class Fixture
{
    public static Workload Burst() => Load("burst-n20000-seed42.requests.csv");

    public static Workload Load(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Scheduler.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("repository root (Scheduler.sln) not found above " + AppContext.BaseDirectory);
        var path = Path.Combine(dir.FullName, "data", "fixtures", name);
        var lines = File.ReadAllLines(path);
        var requests = new List<Request>(lines.Length);
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var f = lines[i].Split(',');
            requests.Add(new Request(int.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture),
                int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture)));
        }
        return new Workload(requests, path);
    }
}
