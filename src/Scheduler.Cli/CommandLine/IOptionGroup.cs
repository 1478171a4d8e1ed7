using System.CommandLine;

namespace Scheduler.Cli.CommandLine;

/// <summary>
/// Options several commands share, defined once: each command that uses them adds the group
/// (<see cref="OptionGroupExtensions.Add"/>) and reads the parsed values back through the group's own Read.
/// </summary>
public interface IOptionGroup
{
    IEnumerable<Option> Options { get; }
}

public static class OptionGroupExtensions
{
    public static void Add(this Command command, IOptionGroup group)
    {
        foreach (var option in group.Options) command.Options.Add(option);
    }
}
