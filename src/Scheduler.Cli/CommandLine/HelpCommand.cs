using System.CommandLine;

namespace Scheduler.Cli.CommandLine;

/// <summary><c>scheduler help [command]</c>: the same help as <c>scheduler [command] --help</c>.</summary>
public sealed class HelpCommand : Command
{
    private readonly Argument<string?> _command = new("command") { Description = "the command to describe", Arity = ArgumentArity.ZeroOrOne };

    public HelpCommand(Command root) : base("help", "show the commands, or one command's options and defaults")
    {
        Arguments.Add(_command);
        SetAction(parse =>
        {
            var name = parse.GetValue(_command);
            if (name is not null && !root.Subcommands.Any(c => c.Name == name))
                throw new UsageException($"unknown command '{name}' (see {root.Name} --help)");
            string[] helpArgs = name is null ? ["--help"] : [name, "--help"];
            return root.Parse(helpArgs).Invoke(parse.InvocationConfiguration);
        });
    }
}
