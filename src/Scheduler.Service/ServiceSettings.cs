using Scheduler.Core.Model;
using System.Globalization;
using Akka.Configuration;
using Scheduler.Runtime.Hosting;

namespace Scheduler.Service;

/// <summary>HOST:PORT of the service's HTTP endpoint.</summary>
public sealed record HttpEndpoint(string Host, int Port)
{
    /// <summary><c>HOST:PORT</c>, <c>:PORT</c> (127.0.0.1) or <c>off</c> (null).</summary>
    public static HttpEndpoint? Parse(string text)
    {
        var t = text.Trim();
        if (t.Length == 0 || t.Equals("off", StringComparison.OrdinalIgnoreCase)) return null;
        var colon = t.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(t[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            throw new FormatException($"'{text}' is not HOST:PORT (port 0..65535) or off");
        var host = colon == 0 ? "127.0.0.1" : t[..colon].Trim('[', ']');
        return new HttpEndpoint(host, port);
    }

    public override string ToString() => $"{(Host.Contains(':') ? $"[{Host}]" : Host)}:{Port}";
}

/// <summary>
/// Every <c>scheduler.service</c> setting (config/scheduler.conf documents each key); the command line's options
/// override them with <c>with</c>. <see cref="Validated"/> names the key of a bad value.
/// </summary>
public sealed record ServiceSettings(
    string Source,
    string Results,
    string? DeadLetters,
    int Ranks,
    int Batch,
    string Policy,
    string Engine,
    double TimeScale,
    HttpEndpoint? Http,
    TimeSpan? ExitWhenIdle,
    TimeSpan DrainTimeout,
    TimeSpan? ProgressInterval,
    string? MetricsSnapshot)
{
    public const string Section = "scheduler.service";

    /// <summary>When a request is tied to a rank: pooled until a policy places it (the paper's setting), or routed to a
    /// rank's own queue on arrival (vLLM, SGLang, TensorRT-LLM), by the policy's arrival form.</summary>
    public BindingMode Binding { get; init; } = BindingMode.Pool;

    public static ServiceSettings FromConfig(Config root)
    {
        var c = new ConfigValues(root, Section);
        HttpEndpoint? http;
        try
        {
            http = HttpEndpoint.Parse(c.String("http"));
        }
        catch (FormatException e)
        {
            throw c.Invalid("http", c.String("http"), e.Message);
        }
        var settings = new ServiceSettings(
            Source: c.String("source"),
            Results: c.String("results"),
            DeadLetters: NullIfEmpty(c.String("dead-letters")),
            Ranks: c.Int("ranks"),
            Batch: c.Int("batch"),
            Policy: c.String("policy"),
            Engine: c.String("engine"),
            TimeScale: c.Double("time-scale"),
            Http: http,
            ExitWhenIdle: c.OptionalDuration("exit-when-idle"),
            DrainTimeout: c.Duration("drain-timeout"),
            ProgressInterval: c.OptionalDuration("progress-interval"),
            MetricsSnapshot: NullIfEmpty(c.String("metrics-snapshot")));
        var binding = c.String("binding");
        settings = settings with
        {
            Binding = binding switch
            {
                "pool" => BindingMode.Pool,
                "arrival" => BindingMode.Arrival,
                _ => throw c.Invalid("binding", binding, "must be pool or arrival"),
            },
        };
        return settings.Validated(c.Invalid);
    }

    /// <summary>Checks every value; <paramref name="invalid"/> makes the error for a key (config keys, or option names).</summary>
    public ServiceSettings Validated(Func<string, object?, string, Exception> invalid)
    {
        void Require(bool ok, string key, object? value, string rule)
        {
            if (!ok) throw invalid(key, value, rule);
        }
        Require(!string.IsNullOrWhiteSpace(Source), "source", Source, "must name a source");
        Require(!string.IsNullOrWhiteSpace(Results), "results", Results, "must name a destination");
        Require(Ranks is > 0 and <= 100_000, "ranks", Ranks, "must be between 1 and 100000");
        Require(Batch is > 0 and <= 1_000_000, "batch", Batch, "must be between 1 and 1000000");
        Require(!string.IsNullOrWhiteSpace(Policy), "policy", Policy, "must name a policy");
        Require(Engine is "cost-model" or "torch", "engine", Engine, "must be cost-model or torch");
        Require(TimeScale >= 0 && double.IsFinite(TimeScale), "time-scale", TimeScale, "must be a number ≥ 0");
        Require(ExitWhenIdle is null || ExitWhenIdle > TimeSpan.Zero, "exit-when-idle", ExitWhenIdle, "must be positive, or off");
        Require(DrainTimeout >= TimeSpan.Zero, "drain-timeout", DrainTimeout, "must not be negative");
        Require(ProgressInterval is null || ProgressInterval > TimeSpan.Zero, "progress-interval", ProgressInterval, "must be positive, or off");
        return this;
    }

    private static string? NullIfEmpty(string text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
