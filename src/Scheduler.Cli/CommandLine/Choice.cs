namespace Scheduler.Cli.CommandLine;

/// <summary>
/// A value chosen by name on the command line (<c>--arrivals trace</c>). Help prints an option's default with
/// <see cref="ToString"/>, so the default reads as the name the user types, not as the value's type's own text.
/// </summary>
public readonly record struct Choice<T>(string Name, T Value)
{
    public override string ToString() => Name;
}
