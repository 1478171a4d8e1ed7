using System.Globalization;

namespace Scheduler.Core.Policies;

/// <summary>
/// A policy's parameters as its factory reads them: the spec's own (<c>name:key=value</c>) over the ones configured
/// for that policy (HOCON <c>scheduler.policies.NAME.*</c>, <see cref="PolicyDefaults.Configured"/>), each read with its
/// type and range. Every key a factory reads is a key the policy knows; <see cref="RejectUnknown"/> then refuses any
/// other, so <c>bfio:predicter=none</c> is an error rather than a silent run with the default predictor.
/// </summary>
public sealed class PolicyParameters
{
    private readonly PolicySpec _spec;
    private readonly IReadOnlyDictionary<string, string> _configured;
    private readonly List<string> _known = [];

    public PolicyParameters(PolicySpec spec, IReadOnlyDictionary<string, string>? configured = null)
    {
        _spec = spec;
        _configured = configured ?? new Dictionary<string, string>();
    }

    /// <summary>The policy as the user named it (for its name in reports).</summary>
    public string Text => _spec.Text;

    /// <summary>Where configured values come from, as error messages name them.</summary>
    public string ConfigPrefix => $"scheduler.policies.{_spec.Name}";

    /// <summary>The keys read so far: after the factory ran, every key the policy knows.</summary>
    public IReadOnlyList<string> Known => _known;

    /// <summary>The raw text of <paramref name="key"/> (the spec's, else the configured one), or null.</summary>
    public string? Raw(string key)
    {
        if (!_known.Contains(key, StringComparer.OrdinalIgnoreCase)) _known.Add(key);
        if (_spec.Parameters.TryGetValue(key, out var own)) return own;
        foreach (var (k, v) in _configured)
            if (string.Equals(k, key, StringComparison.OrdinalIgnoreCase)) return v;
        return null;
    }

    public int Int(string key, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        if (Raw(key) is not { } raw) return fallback;
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            throw Invalid(key, "must be an integer");
        if (value < min || value > max) throw Invalid(key, RangeRule(min, max, int.MinValue, int.MaxValue));
        return value;
    }

    public double Double(string key, double fallback, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        if (Raw(key) is not { } raw) return fallback;
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw Invalid(key, "must be a finite number");
        if (value < min || value > max) throw Invalid(key, RangeRule(min, max, double.NegativeInfinity, double.PositiveInfinity));
        return value;
    }

    /// <summary>One of <paramref name="allowed"/> (case-insensitive), returned in lower case.</summary>
    public string Choice(string key, string fallback, IReadOnlyList<string> allowed)
    {
        var value = (Raw(key) ?? fallback).Trim().ToLowerInvariant();
        return allowed.Contains(value) ? value : throw Invalid(key, $"must be one of {string.Join(", ", allowed)}");
    }

    /// <summary>Refuses any key (in the spec or configured) that the factory did not read.</summary>
    public void RejectUnknown()
    {
        foreach (var key in _spec.Parameters.Keys)
            if (!_known.Contains(key, StringComparer.OrdinalIgnoreCase))
                throw new PolicyParameterException(key, "unknown key", $"policy '{_spec.Text}': unknown key '{key}' ({KnownKeys()})");
        foreach (var key in _configured.Keys)
            if (!_known.Contains(key, StringComparer.OrdinalIgnoreCase))
                throw new PolicyParameterException(key, "unknown key", $"policy '{_spec.Text}': unknown key '{ConfigPrefix}.{key}' ({KnownKeys()})");
    }

    /// <summary>The error for <paramref name="key"/>'s value breaking <paramref name="rule"/>, naming the policy, the key and where it was set.</summary>
    public PolicyParameterException Invalid(string key, string rule)
    {
        if (_spec.Parameters.TryGetValue(key, out var own))
            return new PolicyParameterException(key, rule, $"policy '{_spec.Text}': {key}={own} {rule}");
        var configured = _configured.FirstOrDefault(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase));
        return configured.Key is not null
            ? new PolicyParameterException(key, rule, $"policy '{_spec.Text}': {ConfigPrefix}.{configured.Key} = {configured.Value} {rule}")
            : new PolicyParameterException(key, rule, $"policy '{_spec.Text}': {key} {rule}");
    }

    private string KnownKeys() => _known.Count == 0 ? $"{_spec.Name} takes no parameters" : $"{_spec.Name} knows: {string.Join(", ", _known)}";

    private static string RangeRule<T>(T min, T max, T noMin, T noMax) where T : IEquatable<T> =>
        min.Equals(noMin) ? string.Create(CultureInfo.InvariantCulture, $"must be ≤ {max}")
        : max.Equals(noMax) ? string.Create(CultureInfo.InvariantCulture, $"must be ≥ {min}")
        : string.Create(CultureInfo.InvariantCulture, $"must lie in [{min}, {max}]");
}
