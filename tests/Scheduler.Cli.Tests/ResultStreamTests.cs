using System.Diagnostics;
using System.Text.Json;

namespace Scheduler.Cli.Tests;

/// <summary>stdout carries results only (tables, JSON, CSV); progress and the actor system's log go to stderr.</summary>
public sealed class ResultStreamTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-stdout-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Run_json_output_parses()
    {
        var run = CliRun.Of("run", "--count", "200", "--ranks", "2", "--batch", "4", "--policy", "fcfs", "--format", "json", "--quiet");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(200, JsonDocument.Parse(run.Stdout).RootElement[0].GetProperty("requests").GetInt32());
    }

    [Fact]
    public async Task The_actor_systems_log_never_reaches_the_real_stdout()
    {
        // Akka's standard-out logger writes to Console.Out; at INFO it logs remoting and cluster start-up.
        var config = Path.Combine(_dir, "verbose.conf");
        File.WriteAllText(config, "akka.loglevel = INFO\nakka.stdout-loglevel = INFO\n");
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "scheduler"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "run", "--count", "200", "--ranks", "2", "--batch", "4", "--policy", "fcfs", "--format", "json", "--config", config })
            start.ArgumentList.Add(arg);

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, await stderr);
        Assert.Equal(200, JsonDocument.Parse(stdout).RootElement[0].GetProperty("requests").GetInt32());
        Assert.Contains("[INFO]", await stderr);
    }
}
