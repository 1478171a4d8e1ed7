using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Ingestion.Sources;
using Scheduler.Runtime.Results;

namespace Scheduler.Runtime.Endpoints;

/// <summary>
/// Turns the URIs a user gives (<c>--source</c>, <c>--results</c>, <c>--dead-letters</c>; SPEC §7) into sources
/// and sinks: <c>stdin</c>, <c>stdout</c>, <c>file:PATH</c> (a bare path is a file too), <c>synthetic:…</c>.
/// Further schemes (the brokers of issue 7) are registered by the module that implements them.
/// </summary>
public sealed class EndpointCatalog
{
    private readonly Dictionary<string, Func<string, IRequestSource>> _sources = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Func<string, IResultSink>> _sinks = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="standardInput">Opens the stream <c>stdin</c> reads (the process's, unless a test gives a pipe).</param>
    /// <param name="standardOutput">Opens the stream <c>stdout</c> writes (the process's real standard output).</param>
    public EndpointCatalog(Func<Stream>? standardInput = null, Func<Stream>? standardOutput = null)
    {
        StandardInput = standardInput ?? Console.OpenStandardInput;
        StandardOutput = standardOutput ?? Console.OpenStandardOutput;
        RegisterSource("file", path => new FileRequestSource(RequirePath(path, "file")));
        RegisterSource(SyntheticRequestSource.Scheme, SyntheticRequestSource.Parse);
        RegisterSource(TraceRequestSource.Scheme, rest => TraceRequestSource.Parse(rest, ResolvePath));
        RegisterSink("file", path => StreamResultSink.ToFile(RequirePath(path, "file"), ResultFormat.JsonLines));
    }

    public Func<Stream> StandardInput { get; }
    public Func<Stream> StandardOutput { get; }

    /// <summary>Finds the file a <c>trace:</c> source names (the CLI also looks beside the program for shipped data).</summary>
    public Func<string, string> ResolvePath { get; init; } = path => path;

    /// <summary>Register a source scheme: <paramref name="create"/> gets the URI after <c>scheme:</c>.</summary>
    public EndpointCatalog RegisterSource(string scheme, Func<string, IRequestSource> create)
    {
        _sources[scheme] = create;
        return this;
    }

    /// <summary>Register a sink scheme: <paramref name="create"/> gets the URI after <c>scheme:</c>.</summary>
    public EndpointCatalog RegisterSink(string scheme, Func<string, IResultSink> create)
    {
        _sinks[scheme] = create;
        return this;
    }

    public IEnumerable<string> SourceSchemes => new[] { "stdin" }.Concat(_sources.Keys);
    public IEnumerable<string> SinkSchemes => new[] { "stdout" }.Concat(_sinks.Keys);

    /// <summary>The source a URI names; an unknown scheme or a bad parameter is an <see cref="ArgumentException"/> naming it.</summary>
    public IRequestSource Source(string uri)
    {
        var text = uri.Trim();
        if (text.Equals("stdin", StringComparison.OrdinalIgnoreCase) || text == "-") return new StdinRequestSource(StandardInput);
        var (scheme, rest) = Split(text);
        if (scheme is not null && _sources.TryGetValue(scheme, out var create)) return create(rest);
        if (scheme is null || scheme.Length == 1) return new FileRequestSource(text); // a bare path (a drive letter is not a scheme)
        throw new ArgumentException($"unknown source '{Redact(uri)}': expected {string.Join(", ", SourceSchemes.Select(Example))}");
    }

    /// <summary>The sink a URI names.</summary>
    public IResultSink Sink(string uri)
    {
        var text = uri.Trim();
        if (text.Equals("stdout", StringComparison.OrdinalIgnoreCase) || text == "-")
            return new StreamResultSink(StandardOutput(), "stdout");
        var (scheme, rest) = Split(text);
        if (scheme is not null && _sinks.TryGetValue(scheme, out var create)) return create(rest);
        if (scheme is null || scheme.Length == 1) return StreamResultSink.ToFile(text, ResultFormat.JsonLines);
        throw new ArgumentException($"unknown results destination '{Redact(uri)}': expected {string.Join(", ", SinkSchemes.Select(Example))}");
    }

    /// <summary>The URI with any password replaced: safe to show in an error about a URI that did not parse.</summary>
    public static string Redact(string uri)
    {
        var start = uri.IndexOf("//", StringComparison.Ordinal);
        if (start < 0) return uri;
        var end = uri.IndexOfAny(['/', '?'], start + 2);
        var authority = end < 0 ? uri[(start + 2)..] : uri[(start + 2)..end];
        var at = authority.LastIndexOf('@');
        if (at < 0) return uri;
        var userInfo = authority[..at];
        var colon = userInfo.IndexOf(':');
        var redacted = (colon < 0 ? userInfo : userInfo[..colon] + ":***") + authority[at..];
        return uri[..(start + 2)] + redacted + (end < 0 ? "" : uri[end..]);
    }

    private static (string? Scheme, string Remainder) Split(string uri)
    {
        var colon = uri.IndexOf(':');
        if (colon <= 0) return (null, uri);
        var scheme = uri[..colon];
        foreach (var c in scheme)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.')) return (null, uri);
        return (scheme, uri[(colon + 1)..]);
    }

    private static string RequirePath(string rest, string scheme)
    {
        // file:PATH and file://PATH are both accepted.
        var path = rest.StartsWith("//", StringComparison.Ordinal) ? rest[2..] : rest;
        return path.Length > 0 ? path : throw new ArgumentException($"{scheme}: needs a path ({scheme}:PATH)");
    }

    private static string Example(string scheme) => scheme switch
    {
        "stdin" or "stdout" => scheme,
        "file" => "file:PATH",
        SyntheticRequestSource.Scheme => "synthetic:count=N;rate=R",
        TraceRequestSource.Scheme => "trace:PATH;count=N;rate-scale=X",
        _ => $"{scheme}://…",
    };
}
