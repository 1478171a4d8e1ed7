using Scheduler.Cli.CommandLine;

namespace Scheduler.Cli.Tests;

/// <summary>Runs the CLI in-process and captures what it prints.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public static CliRun Of(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = Program.Run(args, stdout, stderr);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>As <see cref="Of"/>, with a progress line on every update (stderr here is not a terminal, so progress prints lines).</summary>
    public static CliRun WithEveryProgressLine(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = Program.Run(args, new CliConsole(stdout, stderr) { ProgressInterval = TimeSpan.Zero });
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    public static string RepoFile(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Scheduler.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Scheduler.sln not found"), relative);
    }
}
