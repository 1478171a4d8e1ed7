namespace Scheduler.Core.Tests;

/// <summary>Finds the repository's shipped files from wherever the test assembly runs (bin/..., CI, IDE).</summary>
internal static class RepoPaths
{
    /// <summary>The directory holding Scheduler.sln, found by walking up from the test assembly.</summary>
    public static readonly string Root = FindRoot();

    /// <summary>A path under <c>data/</c>, e.g. <c>Data("traces/azure-llm-2023-conv.csv")</c>.</summary>
    public static string Data(string relative) => Path.Combine(Root, "data", relative);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Scheduler.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"repository root (Scheduler.sln) not found above {AppContext.BaseDirectory}");
    }
}
