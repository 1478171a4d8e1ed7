using System.Globalization;

namespace Scheduler.Cli.CommandLine;

/// <summary>A comma-separated list of values (<c>--ranks 16,32,64</c>); help prints a default as it is typed.</summary>
public sealed record ValueList<T>(IReadOnlyList<T> Values) where T : IFormattable
{
    public override string ToString() => string.Join(",", Values.Select(v => v.ToString(null, CultureInfo.InvariantCulture)));
}
