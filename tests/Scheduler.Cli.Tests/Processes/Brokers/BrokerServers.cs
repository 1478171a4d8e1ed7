using System.Diagnostics;

namespace Scheduler.Cli.Tests.Processes.Brokers;

/// <summary>
/// The three real brokers on 127.0.0.1, run by the project's own <c>scripts/brokers.sh</c> (which .ci/run also uses):
/// started once if they are not up yet, killed with SIGKILL and started again by the fault tests.
/// </summary>
internal static class BrokerServers
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _started;

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Scheduler.sln"))) return dir.FullName;
            throw new InvalidOperationException("the repository root (Scheduler.sln) is not above the test binaries");
        }
    }

    public static async Task EnsureStartedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_started) return;
            await RunAsync("start");
            _started = true;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>SIGKILL: the broker dies as in a crash; its data folder stays.</summary>
    public static Task KillAsync(string broker) => RunAsync("kill", broker);

    public static Task StartAsync(string broker) => RunAsync("start", broker);

    private static async Task RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(RepositoryRoot, "scripts", "brokers.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/brokers.sh {string.Join(' ', args)} failed ({process.ExitCode}): {await output}{await error}" +
                "\n(the broker tests need rabbitmq-server, nats-server and redis-server: apt-get install them; .ci/run does)");
    }
}
