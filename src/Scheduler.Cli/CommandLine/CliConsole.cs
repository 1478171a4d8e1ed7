namespace Scheduler.Cli.CommandLine;

/// <summary>
/// Where the commands write and how they pace progress. <see cref="Program.Main"/> passes the process's streams;
/// tests pass string writers, and a zero <see cref="ProgressInterval"/> to see piped progress without waiting.
/// </summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error)
{
    /// <summary>Whether <see cref="Error"/> is a terminal: progress then rewrites one live line instead of printing lines.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>When <see cref="Error"/> is not a terminal, at most one progress line per this much wall time.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The wall clock progress lines are paced and rated by.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public const int DefaultHelpWidth = 120;

    /// <summary>Help wraps its option descriptions at this many columns.</summary>
    public int HelpWidth { get; init; } = DefaultHelpWidth;

    /// <summary>SIGINT/SIGTERM for commands that stop gracefully; never raised in-process unless a test raises it.</summary>
    public InterruptSignal Interrupt { get; init; } = InterruptSignal.None();
}
