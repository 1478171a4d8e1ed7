using System.CommandLine;
using Akka.Configuration;
using Scheduler.Cli.CommandLine;
using Scheduler.Runtime.Hosting;

namespace Scheduler.Cli.Commands;

/// <summary>
/// <c>--config FILE</c>: HOCON over the runtime's defaults (config/scheduler.conf). The file is read while the
/// command line is parsed, exactly as the runtime will read it, so a missing file, malformed HOCON or a bad
/// value is a usage error naming the file before any work starts, not a crash halfway through a run.
/// </summary>
public sealed class ConfigFileOption : IOptionGroup
{
    public Option<string> Config { get; } = CliOption.Text("--config",
        "HOCON overriding config/scheduler.conf (every key documented there)", helpName: "FILE", check: Check);

    public IEnumerable<Option> Options => [Config];

    public string? Read(ParseResult parse) => parse.GetValue(Config);

    private static void Check(string path)
    {
        if (!File.Exists(path)) throw new FormatException("no such file");
        try
        {
            // Every section is checked, whichever command reads it: a bad file is bad for all of them.
            var config = RuntimeConfig.Load(path);
            RuntimeSettings.FromConfig(config);
            Scheduler.Service.ServiceSettings.FromConfig(config);
            PolicyConfigSection.Check(config);
        }
        catch (ArgumentException e) when (e is Scheduler.Core.Policies.PolicyParameterException)
        {
            throw new FormatException(e.Message, e);
        }
        catch (ConfigurationException e) when (e.Message.Contains(" = ", StringComparison.Ordinal) || e.Message.StartsWith("config file ", StringComparison.Ordinal))
        {
            // The runtime's own messages name the key (and the file): keep them, without repeating the file.
            var prefix = $"config file '{path}': ";
            throw new FormatException(e.Message.StartsWith(prefix, StringComparison.Ordinal) ? e.Message[prefix.Length..] : e.Message, e);
        }
        // Akka's HOCON reader fails with FormatException (bad number, unresolved substitution, stray token),
        // ConfigurationException (settings validation) and, for an include, NullReferenceException: whatever it
        // throws, the file is at fault. RuntimeConfig wraps parse failures with the path, which the error names already.
        catch (Exception e)
        {
            var cause = e is ConfigurationException { InnerException: { } inner } ? inner : e;
            throw new FormatException(cause is NullReferenceException
                ? "the HOCON parser failed (it resolves no include statements)"
                : cause.Message, e);
        }
    }
}
