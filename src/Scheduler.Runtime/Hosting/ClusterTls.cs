using System.Security.Cryptography.X509Certificates;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace Scheduler.Runtime.Hosting;

/// <summary>The cluster's mutual TLS (<c>scheduler.cluster.tls</c>): this node's certificate (PKCS#12) and password, and
/// the CA whose signature every peer's certificate must carry.</summary>
public sealed record ClusterTlsSettings(bool Enabled, string CertificatePath, string Password, string CaPath)
{
    /// <summary>From <c>scheduler.cluster.tls</c>; SCHEDULER_CLUSTER_TLS_ENABLED, _CERTIFICATE and _CA win over the file (a
    /// container's environment), SCHEDULER_CLUSTER_TLS_PASSWORD fills an empty password.</summary>
    public static ClusterTlsSettings FromConfig(Config root, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var c = new ConfigValues(root, "scheduler.cluster.tls");
        string? Env(string key) => environment($"SCHEDULER_CLUSTER_TLS_{key}") is { Length: > 0 } v ? v : null;
        var password = c.String("password") is { Length: > 0 } p ? p : Env("PASSWORD") ?? "";
        var enabled = Env("ENABLED") is { } e
            ? e.Trim().ToLowerInvariant() switch
            {
                "on" or "true" or "yes" => true,
                "off" or "false" or "no" => false,
                _ => throw new ConfigurationException($"SCHEDULER_CLUSTER_TLS_ENABLED = {e}: must be on or off"),
            }
            : c.Boolean("enabled");
        var settings = new ClusterTlsSettings(enabled, Env("CERTIFICATE") ?? c.String("certificate"), password, Env("CA") ?? c.String("ca"));
        if (!settings.Enabled) return settings;
        if (settings.CertificatePath.Length == 0) throw c.Invalid("certificate", "\"\"", "TLS is on: name this node's certificate (a .pfx; scripts/make-certs.sh makes test ones)");
        if (settings.CaPath.Length == 0) throw c.Invalid("ca", "\"\"", "TLS is on: name the CA certificate the cluster's nodes are signed by");
        if (!File.Exists(settings.CertificatePath)) throw c.Invalid("certificate", settings.CertificatePath, "no such file");
        if (!File.Exists(settings.CaPath)) throw c.Invalid("ca", settings.CaPath, "no such file");
        return settings;
    }

    /// <summary>The password is never shown.</summary>
    public override string ToString() => $"tls {(Enabled ? "on" : "off")}, certificate {CertificatePath}, ca {CaPath}";
}

/// <summary>
/// Mutual TLS for Akka.Remote (DotNetty): each side presents its certificate and accepts the other's only if it chains
/// to the cluster's CA (a CA of its own, not the machine's trust store, so a certificate any public CA signed does not
/// get in). Akka.Remote authenticates peers only since the fix of CVE-2025-61778; Directory.Packages.props keeps the
/// packages above it.
/// </summary>
public static class ClusterTls
{
    /// <summary>HOCON that turns TLS on for the DotNetty transport; the certificate and validation come from <see cref="Setup"/>.</summary>
    public static Config Hocon => ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.enable-ssl = on");

    public static DotNettySslSetup Setup(ClusterTlsSettings settings)
    {
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(settings.CertificatePath, settings.Password);
        var ca = X509CertificateLoader.LoadCertificateFromFile(settings.CaPath);
        return new DotNettySslSetup(certificate, suppressValidation: false, requireMutualAuthentication: true, validateCertificateHostname: false,
            customValidator: SignedBy(ca));
    }

    /// <summary>The actor system's setup with TLS added when it is on.</summary>
    public static ActorSystemSetup With(this ActorSystemSetup setup, ClusterTlsSettings settings) =>
        settings.Enabled ? setup.And(Setup(settings)) : setup;

    /// <summary>Accepts a peer certificate only if it chains to <paramref name="ca"/> (and is within its validity).</summary>
    public static CertificateValidationCallback SignedBy(X509Certificate2 ca) => (certificate, _, peer, _, log) =>
    {
        if (certificate is null)
        {
            log.Warning("TLS: {0} presented no certificate; refused", peer);
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var trusted = chain.Build(certificate);
        if (!trusted)
            log.Warning("TLS: refused {0}: its certificate {1} is not signed by the cluster's CA ({2})", peer, certificate.Subject,
                string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim())));
        return trusted;
    };
}
