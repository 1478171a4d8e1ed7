using System.Globalization;
using Scheduler.Runtime.Endpoints;

namespace Scheduler.Brokers;

/// <summary>
/// A broker endpoint as a user names it: <c>SCHEME://[USER[:PASSWORD]@]HOST[:PORT]/NAME[?key=value&amp;…]</c>, where NAME
/// is a RabbitMQ queue, a NATS subject or a Redis stream. <see cref="Display"/> is the address without credentials:
/// the only form that goes into logs, errors, metrics and summaries.
/// </summary>
public sealed record BrokerAddress(string Scheme, string Host, int Port, string Name, IReadOnlyDictionary<string, string> Query)
{
    /// <summary>From the URI's user part; configuration and the environment are the other places (<see cref="BrokerCredentials"/>).</summary>
    public string? User { get; init; }

    public string? Password { get; init; }

    public string Display => $"{Scheme}://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/{Name}";

    /// <summary>Everything but the secret: what <c>ToString</c> (and so any log or exception message) shows.</summary>
    public override string ToString() => Display;

    /// <summary>The same broker, another destination (a dead-letter queue beside the source), with the same credentials.</summary>
    public BrokerAddress WithName(string name) => this with { Name = name, Query = new Dictionary<string, string>() };

    /// <summary>A query parameter, or <paramref name="fallback"/>; unknown keys are refused by <see cref="RequireKnownKeys"/>.</summary>
    public string Get(string key, string fallback) => Query.TryGetValue(key, out var value) ? value : fallback;

    /// <summary>An unknown query key is a mistake (a misspelt <c>consumer</c> would silently use the default): refuse it.</summary>
    public BrokerAddress RequireKnownKeys(params string[] known)
    {
        foreach (var key in Query.Keys)
            if (!known.Contains(key, StringComparer.Ordinal))
                throw new ArgumentException($"{Display}: unknown parameter '{key}' (known: {(known.Length == 0 ? "none" : string.Join(", ", known))})");
        return this;
    }

    /// <param name="remainder">The URI after <c>scheme:</c>, as the endpoint catalog passes it.</param>
    public static BrokerAddress Parse(string scheme, string remainder, int defaultPort)
    {
        var display = $"{scheme}:{EndpointCatalog.Redact(remainder)}";
        if (!remainder.StartsWith("//", StringComparison.Ordinal))
            throw new ArgumentException($"{display}: expected {scheme}://HOST[:PORT]/NAME");
        var rest = remainder[2..];
        string? query = null;
        var q = rest.IndexOf('?');
        if (q >= 0) (rest, query) = (rest[..q], rest[(q + 1)..]);
        var slash = rest.IndexOf('/');
        if (slash < 0 || slash == rest.Length - 1)
            throw new ArgumentException($"{display}: names no {NameKind(scheme)} (expected {scheme}://HOST[:PORT]/NAME)");
        var authority = rest[..slash];
        var name = Uri.UnescapeDataString(rest[(slash + 1)..]);

        string? user = null, password = null;
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            var colon = userInfo.IndexOf(':');
            user = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
            password = colon < 0 ? null : Uri.UnescapeDataString(userInfo[(colon + 1)..]);
        }

        var host = authority;
        var port = defaultPort;
        var portColon = authority.LastIndexOf(':');
        if (portColon >= 0 && !authority.EndsWith(']'))
        {
            host = authority[..portColon];
            var portText = authority[(portColon + 1)..];
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
                throw new ArgumentException($"{display}: port '{portText}' is not a number from 1 to 65535");
        }
        if (host.Length == 0) throw new ArgumentException($"{display}: names no host");

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(query))
            foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=');
                if (eq <= 0) throw new ArgumentException($"{display}: parameter '{pair}' is not key=value");
                parameters[Uri.UnescapeDataString(pair[..eq])] = Uri.UnescapeDataString(pair[(eq + 1)..]);
            }
        return new BrokerAddress(scheme, host, port, name, parameters) { User = user, Password = password };
    }

    private static string NameKind(string scheme) => scheme switch
    {
        "rabbitmq" => "queue",
        "nats" => "subject",
        "redis" => "stream",
        _ => "destination",
    };
}
