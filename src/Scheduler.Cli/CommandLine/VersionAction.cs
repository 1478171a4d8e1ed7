using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace Scheduler.Cli.CommandLine;

/// <summary>
/// <c>--version</c>: this assembly's informational version. System.CommandLine's own action reads the entry
/// assembly's, which under a test host is the host's.
/// </summary>
public sealed class VersionAction : SynchronousCommandLineAction
{
    public static string Version
    {
        get
        {
            var assembly = typeof(VersionAction).Assembly;
            return assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                   ?? assembly.GetName().Version?.ToString()
                   ?? "unknown";
        }
    }

    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(Version);
        return 0;
    }
}
