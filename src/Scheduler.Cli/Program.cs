using System.CommandLine;
using System.CommandLine.Invocation;
using Akka.Configuration;
using Scheduler.Cli.CommandLine;
using Scheduler.Core.Traces;

namespace Scheduler.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // Results go to the original stdout; anything else that writes to Console.Out (Akka's standard-out
        // logger) lands on stderr, so --format json output stays parseable.
        var stdout = Console.Out;
        Console.SetOut(Console.Error);
        using var interrupt = InterruptSignal.FromProcess();
        return Run(args, new CliConsole(stdout, Console.Error)
        {
            ErrorIsTerminal = !Console.IsErrorRedirected,
            HelpWidth = Console.IsOutputRedirected ? CliConsole.DefaultHelpWidth : Math.Clamp(Console.WindowWidth, 60, 160),
            Interrupt = interrupt,
        });
    }

    /// <summary>The CLI in-process, writing to <paramref name="stdout"/> and <paramref name="stderr"/> (neither a terminal).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, new CliConsole(stdout, stderr));

    /// <summary>
    /// Parses and runs one command line. Exit codes: 0 done; 2 bad input (the command line, a --config file, a
    /// malformed input file), reported as one line; 1 a failure while running (IO, a failed run), one line too.
    /// </summary>
    public static int Run(string[] args, CliConsole console)
    {
        var parse = SchedulerCommandLine.Create(console).Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            console.Error.WriteLine($"error: {SchedulerCommandLine.Describe(parse)}");
            return 2;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration
            {
                Output = console.Out,
                Error = console.Error,
                // Exceptions come here, to be mapped to one line and an exit code below.
                EnableDefaultExceptionHandler = false,
                // Ctrl+C ends the process at once, unless the running command claimed it (CliConsole.Interrupt).
                ProcessTerminationTimeout = null,
            });
        }
        catch (Exception e) when (e is UsageException or TraceFormatException or ConfigurationException)
        {
            console.Error.WriteLine($"error: {OneLine(e.Message)}");
            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException
                                  && Environment.GetEnvironmentVariable("SCHEDULER_DEBUG") is null)
        {
            // One line for the user; SCHEDULER_DEBUG=1 lets the exception through with its stack trace.
            console.Error.WriteLine($"error: {OneLine(e.Message)}");
            return 1;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
