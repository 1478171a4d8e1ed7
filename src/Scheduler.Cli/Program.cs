using Scheduler.Cli.CommandLine;
using Scheduler.Cli.Commands;
using Scheduler.Core.Traces;

namespace Scheduler.Cli;

public static class Program
{
    private const string Usage = """
        scheduler — place LLM decode requests on data-parallel ranks so no rank idles at the step barrier

        Usage: scheduler <command> [options]     (scheduler <command> --help for its options)

        Commands:
          run         serve requests on the actor runtime (Akka.Streams → balancer → sharded ranks → barrier); the main job
          simulate    compare placement policies with the deterministic step simulator
          gap         optimality gap of bfio's placement solver against a lower bound and the exact optimum
          sweep       run policies over a grid of G, B, H and noise with several seeds; CSV and PNG plots
          calibrate   time real TorchSharp decode steps and fit the affine step-cost model (HOCON, JSON, PNG)
        """;

    public static int Main(string[] args)
    {
        // Results go to the original stdout; anything else that writes to Console.Out (Akka's standard-out
        // logger) lands on stderr, so --format json output stays parseable.
        var stdout = Console.Out;
        Console.SetOut(Console.Error);
        return Run(args, stdout, Console.Error);
    }

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            stdout.WriteLine(Usage);
            return 0;
        }
        try
        {
            var rest = new ArgumentReader(args.Skip(1));
            return args[0] switch
            {
                "run" => RunCommand.Execute(rest, stdout, stderr),
                "simulate" => SimulateCommand.Execute(rest, stdout, stderr),
                "gap" => GapCommand.Execute(rest, stdout, stderr),
                "sweep" => SweepCommand.Execute(rest, stdout, stderr),
                "calibrate" => CalibrateCommand.Execute(rest, stdout, stderr),
                _ => throw new UsageException($"unknown command '{args[0]}' (see scheduler --help)"),
            };
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (TraceFormatException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException
                                  && Environment.GetEnvironmentVariable("SCHEDULER_DEBUG") is null)
        {
            // One line for the user; SCHEDULER_DEBUG=1 lets the exception through with its stack trace.
            stderr.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
