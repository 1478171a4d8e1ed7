using System.Globalization;

namespace Scheduler.Cli.CommandLine;

/// <summary>
/// Reads <c>--name value</c> and <c>--flag</c> arguments. Every option a command reads is marked used;
/// <see cref="EnsureAllUsed"/> then rejects anything left over, so a typo never silently falls back to a default.
/// </summary>
public sealed class ArgumentReader
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public ArgumentReader(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var a = list[i];
            if (a is "-h") a = "--help";
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length == 2)
                throw new UsageException($"unexpected argument '{a}' (options start with --)");
            var name = a[2..];
            string? value = null;
            var eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            else if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal)) value = list[++i];
            if (_values.ContainsKey(name)) throw new UsageException($"option --{name} given twice");
            _values[name] = value;
        }
    }

    public bool Flag(string name)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out var v)) return false;
        if (v is not null) throw new UsageException($"--{name} takes no value (got '{v}')");
        return true;
    }

    public string? String(string name)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out var v)) return null;
        return v ?? throw new UsageException($"--{name} needs a value");
    }

    public string String(string name, string fallback) => String(name) ?? fallback;

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var raw = String(name);
        if (raw is null) return fallback;
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw new UsageException($"--{name} {raw}: not an integer");
        if (v < min || v > max) throw new UsageException($"--{name} {raw}: must be between {min} and {max}");
        return v;
    }

    public int? OptionalInt(string name, int min = int.MinValue)
    {
        var raw = String(name);
        if (raw is null) return null;
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw new UsageException($"--{name} {raw}: not an integer");
        if (v < min) throw new UsageException($"--{name} {raw}: must be at least {min}");
        return v;
    }

    public double Double(string name, double fallback, double min = double.NegativeInfinity, bool exclusiveMin = false)
    {
        var raw = String(name);
        if (raw is null) return fallback;
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            throw new UsageException($"--{name} {raw}: not a number");
        if (exclusiveMin ? v <= min : v < min)
            throw new UsageException($"--{name} {raw}: must be {(exclusiveMin ? "greater than" : "at least")} {min.ToString(CultureInfo.InvariantCulture)}");
        return v;
    }

    public T Choice<T>(string name, T fallback, params (string Text, T Value)[] choices)
    {
        var raw = String(name);
        if (raw is null) return fallback;
        foreach (var (text, value) in choices)
            if (string.Equals(text, raw, StringComparison.OrdinalIgnoreCase)) return value;
        throw new UsageException($"--{name} {raw}: expected one of {string.Join(", ", choices.Select(c => c.Text))}");
    }

    public void EnsureAllUsed()
    {
        foreach (var name in _values.Keys)
            if (!_used.Contains(name)) throw new UsageException($"unknown option --{name} (see --help)");
    }
}
