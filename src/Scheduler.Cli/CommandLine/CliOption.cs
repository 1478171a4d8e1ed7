using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Scheduler.Cli.CommandLine;

/// <summary>
/// Builds the kinds of option the commands take. Each option is one definition: name, description, default
/// (what help prints and what the command gets when the option is absent) and the checks on its value. A bad
/// value is a parse error that names the option and the value (<c>--ranks abc: not an integer</c>).
/// </summary>
public static class CliOption
{
    public static Option<int> Int(string name, string description, int defaultValue, int min = int.MinValue, int max = int.MaxValue, string helpName = "N") =>
        Parsed(name, description, helpName, raw => ParseInt(raw, min, max), () => defaultValue);

    public static Option<int?> OptionalInt(string name, string description, int min = int.MinValue, string helpName = "N") =>
        Parsed<int?>(name, description, helpName, raw => ParseInt(raw, min, int.MaxValue), defaultValue: null);

    public static Option<double> Double(string name, string description, double defaultValue, double min = double.NegativeInfinity,
        bool exclusiveMin = false, string helpName = "X") =>
        Parsed(name, description, helpName, raw => ParseDouble(raw, min, exclusiveMin), () => defaultValue);

    public static Option<double?> OptionalDouble(string name, string description, double min = double.NegativeInfinity,
        bool exclusiveMin = false, string helpName = "X") =>
        Parsed<double?>(name, description, helpName, raw => ParseDouble(raw, min, exclusiveMin), defaultValue: null);

    /// <summary>Free text (a path, a policy list); <paramref name="check"/> throws <see cref="FormatException"/> for a bad value.</summary>
    public static Option<string> Text(string name, string description, string? defaultValue = null, string helpName = "TEXT", Action<string>? check = null) =>
        Parsed(name, description, helpName, raw => { check?.Invoke(raw); return raw; }, defaultValue is null ? null : () => defaultValue);

    /// <summary>A switch: present or not, it takes no value.</summary>
    public static Option<bool> Flag(string name, string description) =>
        new(name) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary>One of named values, matched ignoring case; help lists the names.</summary>
    public static Option<Choice<T>> Choice<T>(string name, string description, string defaultName, params (string Name, T Value)[] choices)
    {
        var fallback = Array.Find(choices, c => c.Name == defaultName);
        if (fallback.Name is null) throw new ArgumentException($"{name}: default '{defaultName}' is not one of the choices", nameof(defaultName));
        return Parsed(name, description, string.Join('|', choices.Select(c => c.Name)), raw => Pick(raw, choices),
            () => new Choice<T>(fallback.Name, fallback.Value));
    }

    /// <summary>One of named values with no default: absent, the command decides (e.g. detects a trace's format).
    /// The description ends with the names, as a list too long for the option's column.</summary>
    public static Option<Choice<T>?> OptionalChoice<T>(string name, string description, string helpName, params (string Name, T Value)[] choices) =>
        Parsed<Choice<T>?>(name, $"{description}: {string.Join(", ", choices.Select(c => c.Name))}", helpName, raw => Pick(raw, choices), defaultValue: null);

    public static Option<ValueList<int>> IntList(string name, string description, string defaultList, int min, string helpName = "LIST") =>
        List(name, description, defaultList, helpName, part =>
            int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min
                ? v : throw new FormatException($"'{part}' is not an integer ≥ {min}"));

    public static Option<ValueList<double>> DoubleList(string name, string description, string defaultList, double min, string helpName = "LIST") =>
        List(name, description, defaultList, helpName, part =>
            double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v >= min
                ? v : throw new FormatException($"'{part}' is not a number ≥ {min.ToString(CultureInfo.InvariantCulture)}"));

    private static Option<ValueList<T>> List<T>(string name, string description, string defaultList, string helpName, Func<string, T> parsePart)
        where T : IFormattable
    {
        ValueList<T> ParseList(string raw)
        {
            var values = raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(parsePart).ToList();
            return values.Count > 0 ? new ValueList<T>(values) : throw new FormatException("needs at least one value");
        }
        var fallback = ParseList(defaultList);
        return Parsed(name, description, helpName, ParseList, () => fallback);
    }

    /// <summary>
    /// The one place an option's value is converted. <paramref name="parse"/> throws <see cref="FormatException"/>
    /// with what is wrong; the parse error then reads <c>--name value: what is wrong</c>.
    /// </summary>
    private static Option<T> Parsed<T>(string name, string description, string helpName, Func<string, T> parse, Func<T>? defaultValue)
    {
        var option = new Option<T>(name) { Description = description, HelpName = helpName };
        if (defaultValue is not null) option.DefaultValueFactory = _ => defaultValue();
        option.CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
            {
                result.AddError($"{name} needs a value");
                return default;
            }
            var raw = result.Tokens[0].Value;
            try { return parse(raw); }
            catch (FormatException e)
            {
                result.AddError($"{name} {raw}: {e.Message}");
                return default;
            }
        };
        return option;
    }

    private static int ParseInt(string raw, int min, int max)
    {
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)) throw new FormatException("not an integer");
        if (v < min || v > max)
            throw new FormatException(max == int.MaxValue ? $"must be at least {min}" : $"must be between {min} and {max}");
        return v;
    }

    private static double ParseDouble(string raw, double min, bool exclusiveMin)
    {
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            throw new FormatException("not a number");
        if (exclusiveMin ? v <= min : v < min)
            throw new FormatException($"must be {(exclusiveMin ? "greater than" : "at least")} {min.ToString(CultureInfo.InvariantCulture)}");
        return v;
    }

    private static Choice<T> Pick<T>(string raw, (string Name, T Value)[] choices)
    {
        foreach (var (name, value) in choices)
            if (string.Equals(name, raw, StringComparison.OrdinalIgnoreCase)) return new Choice<T>(name, value);
        throw new FormatException($"expected one of {string.Join(", ", choices.Select(c => c.Name))}");
    }
}
