using System.ComponentModel;
using System.Diagnostics;

namespace Scheduler.Cli.Tests.Deployment;

/// <summary>A program of the machine (docker-compose, promtool, bash) run in the repository root, its output captured.</summary>
internal static class ExternalTool
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => Stdout + Stderr;
    }

    /// <summary>
    /// Runs <paramref name="program"/>; a program that is not installed fails the test with <paramref name="install"/>
    /// (CI installs each one in .ci/run: a missing tool is a broken machine, not a reason to skip).
    /// </summary>
    public static async Task<Result> RunAsync(string program, IEnumerable<string> args, string install)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = CliRun.RepoFile(""),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{program} is not installed: {install} (.ci/run does)", e);
        }
        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{program} {string.Join(' ', args)} did not end within a minute");
            }
            return new Result(process.ExitCode, await stdout, await stderr);
        }
    }
}
