namespace Scheduler.Cli;

/// <summary>Where the data shipped with the program lives: copied beside the binary at build time,
/// with the repository's data/ folder as the fallback when run from a source tree.</summary>
public static class DataPaths
{
    public static string Resolve(string relative)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "data", relative);
        if (File.Exists(beside)) return beside;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            var candidate = Path.Combine(dir.FullName, "data", relative);
            if (File.Exists(candidate)) return candidate;
            dir = dir.Parent;
        }
        throw new FileNotFoundException($"shipped data file data/{relative} not found beside {AppContext.BaseDirectory}");
    }

    /// <summary>A path as given if it exists; else, for <c>data/…</c>, the shipped copy (beside the program or in the source tree).</summary>
    public static string ResolveShipped(string path)
    {
        if (File.Exists(path) || !path.Replace('\\', '/').StartsWith("data/", StringComparison.Ordinal)) return path;
        try
        {
            return Resolve(path["data/".Length..]);
        }
        catch (FileNotFoundException)
        {
            return path;
        }
    }

    public const string DefaultRequests = "fixtures/burst-n20000-seed42.requests.csv";
    public const string AzureConversationTrace = "traces/azure-llm-2023-conv.csv";
}
