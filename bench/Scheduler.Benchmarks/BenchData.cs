using Scheduler.Core.Model;
using Scheduler.Core.Traces;

namespace Scheduler.Benchmarks;

/// <summary>Locates the repository's shipped data from wherever BenchmarkDotNet runs the benchmark.</summary>
internal static class BenchData
{
    public static Workload BurstFixture() => TraceReader.Read(Find("data/fixtures/burst-n20000-seed42.requests.csv"), TraceFormat.RequestCsv);

    public static string Find(string relative)
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            var dir = new DirectoryInfo(start);
            while (dir is not null)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(candidate)) return candidate;
                dir = dir.Parent;
            }
        }
        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }
}
