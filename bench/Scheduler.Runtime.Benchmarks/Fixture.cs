using Scheduler.Core.Model;
using Scheduler.Core.Traces;

namespace Scheduler.Runtime.Benchmarks;

/// <summary>The burst fixture's requests (data/fixtures), found from wherever BenchmarkDotNet runs.</summary>
internal static class Fixture
{
    public static Workload Burst() => Load("burst-n20000-seed42.requests.csv");

    public static Workload Load(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Scheduler.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("repository root (Scheduler.sln) not found above " + AppContext.BaseDirectory);
        return RequestCsvReader.Read(Path.Combine(dir.FullName, "data", "fixtures", name));
    }
}
