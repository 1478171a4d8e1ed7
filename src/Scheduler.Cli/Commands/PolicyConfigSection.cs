using Akka.Configuration;
using Akka.Configuration.Hocon;
using Scheduler.Core.Policies;

namespace Scheduler.Cli.Commands;

/// <summary>
/// <c>scheduler.policies.NAME.KEY</c> of a loaded configuration as the per-policy parameters
/// <see cref="Scheduler.Core.Policies.PolicyDefaults.Configured"/> takes (values as text, checked by the policy's factory).
/// </summary>
public static class PolicyConfigSection
{
    public const string Path = "scheduler.policies";

    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Read(Config config)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        if (!config.HasPath(Path)) return result;
        foreach (var (policy, block) in config.GetValue(Path).GetObject().Items)
        {
            var keys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (block.IsObject())
                foreach (var (key, value) in block.GetObject().Items) keys[key] = Text(value);
            result[policy] = keys;
        }
        return result;
    }

    /// <summary>Builds every configured policy once, so a bad value is an error when the file is read, not when a run starts.</summary>
    public static void Check(Config config)
    {
        var defaults = new PolicyDefaults { Configured = Read(config) };
        foreach (var name in defaults.Configured.Keys) PolicyCatalog.Create(new PolicySpec(name, name, new Dictionary<string, string>()), defaults);
    }

    /// <summary>The keys an explicit run-wide option replaces are dropped, so the command line wins over the file.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Without(
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> configured, IReadOnlyCollection<string> keys)
    {
        if (keys.Count == 0) return configured;
        return configured.ToDictionary(p => p.Key,
            p => (IReadOnlyDictionary<string, string>)p.Value.Where(kv => !keys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase),
            StringComparer.Ordinal);
    }

    private static string Text(HoconValue value) => value.IsString() ? value.GetString() : value.ToString();
}
