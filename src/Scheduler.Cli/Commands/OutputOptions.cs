using System.CommandLine;
using Scheduler.Cli.CommandLine;
using Scheduler.Cli.Output;

namespace Scheduler.Cli.Commands;

/// <summary>The output options every command shares: <c>--format</c> (results on stdout) and <c>--quiet</c> (progress on stderr).</summary>
public static class OutputOptions
{
    public static Option<Choice<OutputFormat>> Format(params OutputFormat[] formats) =>
        CliOption.Choice("--format", "how results print on stdout", "table",
            formats.Select(f => (f.ToString().ToLowerInvariant(), f)).ToArray());

    public static Option<bool> Quiet() => CliOption.Flag("--quiet", "no progress on stderr");
}
