using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Scheduler.Cli.CommandLine;

/// <summary>
/// <c>--help</c>: System.CommandLine's generated help (description, usage, every option with its default), then the
/// command's <see cref="SchedulerCommand.HelpNotes"/>, which the generated layout has no place for.
/// </summary>
public sealed class CommandHelpAction(HelpAction generated) : SynchronousCommandLineAction
{
    // Like the standard help action: --help wins over other errors on the same command line.
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        var code = generated.Invoke(parseResult);
        if (parseResult.CommandResult.Command is SchedulerCommand { HelpNotes: { } notes })
        {
            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine(notes.TrimEnd());
            output.WriteLine();
        }
        return code;
    }
}
