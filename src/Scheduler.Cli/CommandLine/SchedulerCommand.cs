using System.CommandLine;

namespace Scheduler.Cli.CommandLine;

/// <summary>
/// A <c>scheduler</c> command. A subclass defines its own options as fields, adds them and the shared option
/// groups it uses in its constructor, and reads them back in <see cref="Execute"/>; help is generated from those
/// definitions. Register it in <see cref="SchedulerCommandLine"/>.
/// </summary>
public abstract class SchedulerCommand(string name, string summary) : Command(name, summary)
{
    /// <summary>Printed after the option list in this command's help: what runs with no options, definitions, catalogues.</summary>
    public virtual string? HelpNotes => null;

    /// <summary>Runs the command on parsed, validated options; returns the exit code.</summary>
    public abstract int Execute(ParseResult parse, CliConsole console);
}
