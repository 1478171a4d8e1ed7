using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Scheduler.Cli.Commands;

namespace Scheduler.Cli.CommandLine;

/// <summary>The <c>scheduler</c> command tree: every command, <c>help</c>, <c>--help</c> and <c>--version</c>.</summary>
public static class SchedulerCommandLine
{
    public const string Summary = "scheduler — place LLM decode requests on data-parallel ranks so no rank idles at the step barrier";

    /// <summary>The commands in the order the command list shows them. A new command is a new
    /// <see cref="SchedulerCommand"/> and one line here.</summary>
    private static IEnumerable<SchedulerCommand> Commands() =>
    [
        new ServeCommand(),
        new PublishCommand(),
        new ConsumeCommand(),
        new RunCommand(),
        new SimulateCommand(),
        new GapCommand(),
        new SweepCommand(),
        new CompareCommand(),
        new WorkloadCommand(),
        new CalibrateCommand(),
    ];

    public static Command Create(CliConsole console)
    {
        var root = new Command("scheduler", Summary);
        var help = new CommandHelpAction(new HelpAction { MaxWidth = console.HelpWidth });
        // The help option is recursive: every command gets -h/--help from the root.
        root.Options.Add(new HelpOption { Action = help });
        root.Options.Add(new VersionOption { Action = new VersionAction() });
        foreach (var command in Commands())
        {
            command.SetAction(parse => command.Execute(parse, console));
            root.Subcommands.Add(command);
        }
        root.Subcommands.Add(new HelpCommand(root));
        // No command: show what there is, as --help does.
        root.SetAction(help.Invoke);
        return root;
    }

    /// <summary>A parse error as one line for stderr: the first error (later ones are usually its echoes,
    /// e.g. the value after an unknown option) and where to look.</summary>
    public static string Describe(ParseResult parse)
    {
        var message = parse.Errors[0].Message.ReplaceLineEndings(" ").Replace('\t', ' ').TrimEnd('.', ' ');
        var command = parse.CommandResult.Command;
        var path = string.Join(' ', command.Parents.OfType<Command>().Select(c => c.Name).Reverse().Append(command.Name));
        return $"{message} (see {path} --help)";
    }
}
