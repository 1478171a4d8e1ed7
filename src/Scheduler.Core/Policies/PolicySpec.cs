using System.Globalization;

namespace Scheduler.Core.Policies;

/// <summary>
/// A policy as named on the command line: <c>name</c> or <c>name:key=value,key=value</c>
/// (e.g. <c>bfio-ref:h=0</c>), so one run can compare variants side by side. <see cref="Text"/> keeps
/// the exact spelling for reports.
/// </summary>
public sealed record PolicySpec(string Text, string Name, IReadOnlyDictionary<string, string> Parameters)
{
    public static PolicySpec Parse(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0) throw new ArgumentException("empty policy name");
        var colon = trimmed.IndexOf(':');
        if (colon < 0) return new PolicySpec(trimmed, trimmed.ToLowerInvariant(), new Dictionary<string, string>());
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in trimmed[(colon + 1)..].Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"policy '{trimmed}': parameter '{part}' is not key=value");
            parameters[part[..eq].Trim()] = part[(eq + 1)..].Trim();
        }
        return new PolicySpec(trimmed, trimmed[..colon].ToLowerInvariant(), parameters);
    }

    /// <summary>Splits a comma-separated --policy list; parameters inside one policy use ';'.</summary>
    public static IReadOnlyList<PolicySpec> ParseList(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse).ToArray();

    public int GetInt(string key, int fallback)
    {
        if (!Parameters.TryGetValue(key, out var raw)) return fallback;
        return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new ArgumentException($"policy '{Text}': {key}={raw} is not an integer");
    }

    public double GetDouble(string key, double fallback)
    {
        if (!Parameters.TryGetValue(key, out var raw)) return fallback;
        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new ArgumentException($"policy '{Text}': {key}={raw} is not a number");
    }
}
