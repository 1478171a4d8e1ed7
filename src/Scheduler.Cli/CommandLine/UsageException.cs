namespace Scheduler.Cli.CommandLine;

/// <summary>Bad command-line input: reported as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
