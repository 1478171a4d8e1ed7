using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Scheduler.Runtime.Hosting;

/// <summary>
/// The runtime's HOCON: the documented defaults of config/scheduler.conf (embedded in this assembly), overridden
/// by a user's file and then by in-code overrides (tests). A user's file is checked as it is read: malformed
/// HOCON, or a key under <c>scheduler</c> that the defaults do not have (a typo would otherwise fall back to the
/// default silently), is a <see cref="ConfigurationException"/> naming the file and the key.
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
            if (!File.Exists(path)) throw new ConfigurationException($"config file '{path}' does not exist");
            config = Parse(File.ReadAllText(path), $"config file '{path}'").WithFallback(config);
        }
        if (!string.IsNullOrWhiteSpace(overrides)) config = Parse(overrides, "configuration overrides").WithFallback(config);
        return config;
    }

    /// <summary>Parses <paramref name="text"/> and checks its <c>scheduler</c> keys against the defaults.</summary>
    public static Config Parse(string text, string origin)
    {
        // Akka's parser takes an unclosed block as ending at the end of the file: check the structure first.
        if (Unbalanced(text) is { } fault) throw new ConfigurationException($"{origin}: not valid HOCON: {fault}");
        Config parsed;
        try
        {
            parsed = ConfigurationFactory.ParseString(text);
        }
        catch (Exception ex)
        {
            throw new ConfigurationException($"{origin}: not valid HOCON: {FirstLine(ex.Message)}", ex);
        }
        var defaults = Defaults;
        foreach (var key in LeafPaths(parsed.Root, ""))
        {
            if (!key.StartsWith("scheduler.", StringComparison.Ordinal)) continue;
            if (!defaults.HasPath(key)) throw new ConfigurationException($"{origin}: unknown key '{key}'{Suggestion(defaults, key)}");
        }
        return parsed;
    }

    /// <summary>The first brace or bracket that does not pair up (outside strings and comments), or null.</summary>
    internal static string? Unbalanced(string text)
    {
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n') { line++; continue; }
            if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/'))
            {
                while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                continue;
            }
            if (c == '"')
            {
                var triple = i + 2 < text.Length && text[i + 1] == '"' && text[i + 2] == '"';
                var end = triple ? text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal) : ClosingQuote(text, i + 1);
                if (end < 0) return $"the string opened on line {line} is never closed";
                for (var j = i; j < end; j++) if (text[j] == '\n') line++;
                i = triple ? end + 2 : end;
                continue;
            }
            if (c is '{' or '[') open.Push((c, line));
            else if (c is '}' or ']')
            {
                var expected = c == '}' ? '{' : '[';
                if (open.Count == 0 || open.Peek().Bracket != expected) return $"'{c}' on line {line} closes nothing";
                open.Pop();
            }
        }
        return open.Count > 0 ? $"'{open.Peek().Bracket}' on line {open.Peek().Line} is never closed" : null;
    }

    private static int ClosingQuote(string text, int from)
    {
        for (var i = from; i < text.Length; i++)
        {
            if (text[i] == '\\') { i++; continue; }
            if (text[i] == '"') return i;
            if (text[i] == '\n') return -1;
        }
        return -1;
    }

    /// <summary>Every leaf key of a HOCON tree, as dotted paths.</summary>
    public static IEnumerable<string> LeafPaths(HoconValue? value, string prefix)
    {
        if (value is null || !value.IsObject())
        {
            if (prefix.Length > 0) yield return prefix;
            yield break;
        }
        foreach (var (key, child) in value.GetObject().Items)
        {
            var path = prefix.Length == 0 ? Quote(key) : $"{prefix}.{Quote(key)}";
            foreach (var leaf in LeafPaths(child, path)) yield return leaf;
        }
    }

    private static string Quote(string key) => key.Contains('.') ? $"\"{key}\"" : key;

    /// <summary>The known key nearest to a misspelt one (same parent, smallest edit distance), as a hint.</summary>
    private static string Suggestion(Config defaults, string key)
    {
        var dot = key.LastIndexOf('.');
        var parent = key[..dot];
        var leaf = key[(dot + 1)..];
        // Walk up to the nearest parent the defaults know, then compare names at that level.
        while (parent.Length > 0 && !defaults.HasPath(parent))
        {
            var up = parent.LastIndexOf('.');
            if (up < 0) return "";
            leaf = parent[(up + 1)..];
            parent = parent[..up];
        }
        var siblings = defaults.GetConfig(parent)?.Root.GetObject().Items.Keys ?? Enumerable.Empty<string>();
        var best = siblings.Select(s => (Name: s, Distance: Distance(s, leaf))).OrderBy(x => x.Distance).FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, leaf.Length / 3) ? $" (did you mean '{parent}.{best.Name}'?)" : "";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }

    private static string FirstLine(string message)
    {
        var cut = message.IndexOfAny(['\r', '\n']);
        return cut < 0 ? message : message[..cut];
    }

    private static string ReadDefaults()
    {
        using var stream = typeof(RuntimeConfig).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
