using Akka.Configuration;

namespace Scheduler.Runtime.Hosting;

/// <summary>Reads typed values from a config section so that a bad value is a <see cref="ConfigurationException"/>
/// naming the full key and what it should be, not a parser's stack trace.</summary>
public sealed class ConfigValues(Config root, string section)
{
    private readonly Config _section = root.GetConfig(section)
        ?? throw new ConfigurationException($"the configuration has no {section} section");

    public string Section => section;

    public TimeSpan Duration(string key) => Read(key, "a duration (e.g. 500ms, 10s, 2m)", c => c.GetTimeSpan(key, null, allowInfinite: false));

    /// <summary>A duration, or <c>off</c> for none.</summary>
    public TimeSpan? OptionalDuration(string key)
    {
        var text = Read(key, "a duration or off", c => c.GetString(key));
        return text is null || text.Equals("off", StringComparison.OrdinalIgnoreCase) ? null : Duration(key);
    }

    public int Int(string key) => Read(key, "an integer", c => c.GetInt(key));

    public double Double(string key) => Read(key, "a number", c => c.GetDouble(key));

    public bool Boolean(string key) => Read(key, "on or off", c => c.GetBoolean(key));

    public string String(string key) => Read(key, "a string", c => c.GetString(key)) ?? "";

    public ConfigurationException Invalid(string key, object? value, string rule) => new($"{section}.{key} = {value}: {rule}");

    private T Read<T>(string key, string expected, Func<Config, T> read)
    {
        if (!_section.HasPath(key)) throw new ConfigurationException($"{section}.{key} is missing (expected {expected})");
        try
        {
            return read(_section);
        }
        catch (Exception ex) when (ex is not ConfigurationException)
        {
            string raw;
            try { raw = _section.GetString(key); }
            catch { raw = "?"; }
            throw new ConfigurationException($"{section}.{key} = {raw}: not {expected}", ex);
        }
    }
}
