using Akka.Configuration;

namespace Scheduler.Runtime.Hosting;

/// <summary>
/// The runtime's HOCON: the documented defaults of config/scheduler.conf (embedded in this assembly),
/// overridden by a user's file and then by in-code overrides (tests).
/// </summary>
public static class RuntimeConfig
{
    private const string ResourceName = "Scheduler.Runtime.scheduler.conf";
    private static readonly Lazy<string> DefaultsText = new(ReadDefaults);

    /// <summary>The text of config/scheduler.conf as shipped.</summary>
    public static string DefaultsHocon => DefaultsText.Value;

    public static Config Defaults => ConfigurationFactory.ParseString(DefaultsText.Value);

    /// <summary>Overrides, then <paramref name="path"/> (if any), then the defaults.</summary>
    public static Config Load(string? path = null, string? overrides = null)
    {
        var config = Defaults;
        if (path is not null)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"config file '{path}' does not exist", path);
            try
            {
                config = ConfigurationFactory.ParseString(File.ReadAllText(path)).WithFallback(config);
            }
            catch (Exception ex) when (ex is not FileNotFoundException)
            {
                throw new ConfigurationException($"config file '{path}': {ex.Message}", ex);
            }
        }
        if (!string.IsNullOrWhiteSpace(overrides)) config = ConfigurationFactory.ParseString(overrides).WithFallback(config);
        return config;
    }

    private static string ReadDefaults()
    {
        using var stream = typeof(RuntimeConfig).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
