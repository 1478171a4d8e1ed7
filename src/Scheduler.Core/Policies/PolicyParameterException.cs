namespace Scheduler.Core.Policies;

/// <summary>
/// A policy parameter that is unknown, malformed or out of range. <see cref="Key"/> is the key as the user spells it
/// (<c>h</c>, <c>predictor</c>), so the message can name it whether it came from a spec or from configuration.
/// </summary>
public sealed class PolicyParameterException(string key, string rule, string message) : ArgumentException(message)
{
    /// <summary>A settings record's own check: <paramref name="key"/> breaks <paramref name="rule"/> (e.g. "must be ≥ 0").</summary>
    public PolicyParameterException(string key, object? value, string rule)
        : this(key, rule, $"{key}={value}: {rule}")
    {
    }

    public string Key { get; } = key;

    /// <summary>What the value must be, e.g. "must be ≥ 0".</summary>
    public string Rule { get; } = rule;
}
