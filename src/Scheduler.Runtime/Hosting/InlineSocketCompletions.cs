using Akka.Configuration;

namespace Scheduler.Runtime.Hosting;

/// <summary>
/// Whether this process runs .NET's socket completions on the socket engine's own thread
/// (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>) instead of handing each to the thread pool first
/// (<c>scheduler.cluster.inline-socket-completions</c>: auto, on or off; the environment variable
/// SCHEDULER_CLUSTER_INLINE_SOCKET_COMPLETIONS overrides the file). A rank host's step is a read, its ranks' work and a
/// write on remoting's transport thread; the pool hop costs a thread wake on each read, on a host whose cores the
/// ranks and other nodes share. The engine's thread must then never block in a completion: Akka.Remote's DotNetty
/// transport only queues onto its own event loop, but a broker client or user code might wait there, so <c>auto</c> turns
/// it on only on nodes without the ingress role (the sources and sinks, brokers included, run on ingress nodes).
/// </summary>
public static class InlineSocketCompletions
{
    /// <summary>The runtime's own switch; it is read once, when the process first uses an asynchronous socket.</summary>
    public const string RuntimeVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public const string Key = "inline-socket-completions";

    /// <summary>The configured mode, checked: auto, on or off.</summary>
    public static string Mode(Config root, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var file = new ConfigValues(root, ClusterNodeSettings.Section);
        var mode = (environment("SCHEDULER_CLUSTER_INLINE_SOCKET_COMPLETIONS") is { Length: > 0 } env ? env : file.String(Key))
            .Trim().ToLowerInvariant();
        return mode is "auto" or "on" or "off" ? mode : throw file.Invalid(Key, mode, "must be auto, on or off");
    }

    /// <summary>Whether a node with these settings runs completions inline.</summary>
    public static bool Wanted(string mode, ClusterNodeSettings node) => mode switch
    {
        "on" => true,
        "off" => false,
        _ => !node.Has(NodeRoles.Ingress),
    };

    /// <summary>
    /// Sets the runtime's switch for this process when <paramref name="wanted"/>, unless the operator set the variable
    /// themselves (theirs wins, either way). Call before the process opens its first socket: later it changes nothing.
    /// Returns whether completions will run inline.
    /// </summary>
    public static bool Apply(bool wanted, Func<string, string?>? read = null, Action<string, string>? write = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        write ??= Environment.SetEnvironmentVariable;
        if (read(RuntimeVariable) is { Length: > 0 } given) return given == "1";
        if (wanted) write(RuntimeVariable, "1");
        return wanted;
    }
}
