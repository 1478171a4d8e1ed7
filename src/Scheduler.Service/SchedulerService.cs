using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Routing;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Observability;
using Scheduler.Runtime.Results;

namespace Scheduler.Service;

/// <summary>Everything a service is made of, resolved by its caller (the CLI) from configuration and options.</summary>
public sealed record ServiceLaunch
{
    public required ServiceSettings Settings { get; init; }
    public required Config Config { get; init; }
    public required RuntimeSettings Runtime { get; init; }
    /// <summary>The placement policy (pool binding) or the arrival router (arrival binding): exactly one is set.</summary>
    public IPlacementPolicy? Policy { get; init; }
    public IArrivalRouter? Router { get; init; }
    public required IDecodeEngineFactory Engines { get; init; }
    /// <summary>This node's roles and place in the cluster (default: all roles, a cluster of one on loopback).</summary>
    public ClusterNodeSettings Node { get; init; } = ClusterNodeSettings.SingleNode;

    /// <summary>The source and the results sink: required on an ingress node, unused on a rank host.</summary>
    public IRequestSource? Source { get; init; }
    public IResultSink? Results { get; init; }

    /// <summary>Null: dead letters go to <see cref="Results"/> as <c>"status": "rejected"</c> records.</summary>
    public IResultSink? DeadLetters { get; init; }

    /// <summary>The connection events of the source's and sinks' brokers, for /metrics.</summary>
    public EndpointEvents? EndpointEvents { get; init; }
}

/// <summary>How a service ended.</summary>
public enum ServiceEnding
{
    /// <summary>Its source ended and every request it took has its result.</summary>
    SourceEnded,

    /// <summary>Nothing waited or ran for the configured idle time.</summary>
    Idle,

    /// <summary>SIGTERM or SIGINT: it stopped taking requests and drained.</summary>
    Stopped,

    /// <summary>It could not go on (a rank or a sink failed).</summary>
    Failed,
}

/// <summary>The end of a service: why, its exit code, its figures, how many requests the drain gave back, where its
/// metrics were served, and the error when it failed.</summary>
public sealed record ServiceOutcome(ServiceEnding Ending, int ExitCode, ServiceSummary Summary, int Unfinished, string? MetricsUrl, string? Error);

/// <summary>
/// <c>scheduler serve</c>: a long-running process on the composition root every entry point shares
/// (<see cref="SchedulerHosting"/>). It starts the ranks, serves /healthz, /readyz and /metrics, starts the
/// pipeline (ingress, balancer, barrier) once every rank is up, reports progress, and stops when its source
/// ends, when it has been idle long enough, or when told to (SIGTERM/SIGINT): it then stops taking requests, lets
/// those in the service finish within the drain timeout, gives the rest back to their source, flushes every sink
/// and returns its summary.
/// </summary>
public static class SchedulerService
{

    public static async Task<ServiceOutcome> RunAsync(ServiceLaunch launch, TextWriter log, CancellationToken stop)
    {
        try
        {
            return await (launch.Node.Has(NodeRoles.Ingress) ? RunIngressAsync(launch, log, stop) : RankHostService.RunAsync(launch, log, stop))
                .ConfigureAwait(false);
        }
        // Before the service serves: joining the cluster, waiting for rank hosts, starting the ranks. Nothing has been read
        // from the source yet, so nothing is owed to it.
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            log.WriteLine("serve: stopped while starting; no request was taken");
            return NotStarted(ServiceEnding.Stopped, null);
        }
        catch (TimeoutException timeout)
        {
            // scheduler.runtime.cluster.startup-timeout ran out: a failure with its reason, not a crash with a stack trace.
            return NotStarted(ServiceEnding.Failed, $"startup: {timeout.Message}");
        }

        static ServiceOutcome NotStarted(ServiceEnding ending, string? error) =>
            new(ending, error is null ? 0 : 1, new ServiceStatistics().Snapshot(0), 0, null, error);
    }

    /// <summary>
    /// A node with the ingress role: the whole service of a cluster of one; a balancer node (the balancer singleton runs on
    /// the oldest of them); or an ingress alone, which reads its source into the balancer wherever that runs and ends
    /// when its own source has ended and each of its requests has its result.
    /// </summary>
    private static async Task<ServiceOutcome> RunIngressAsync(ServiceLaunch launch, TextWriter log, CancellationToken stop)
    {
        var s = launch.Settings;
        var source = launch.Source ?? throw new ArgumentException("an ingress node needs a source");
        var results = launch.Results ?? throw new ArgumentException("an ingress node needs a results sink");
        var balancerNode = launch.Node.Has(NodeRoles.Balancer);
        var shape = new ClusterShape(s.Ranks, s.Batch);
        var metrics = new ServiceMetrics(s.Ranks, launch.EndpointEvents);
        var statistics = new ServiceStatistics();
        var observer = new CompositeServiceObserver(metrics, statistics);
        var readiness = new ServiceReadiness(s.Ranks);
        using var host = Build(launch, metrics, readiness);
        var clock = Stopwatch.StartNew();
        string? metricsUrl = null;
        try
        {
            await host.StartAsync(stop).ConfigureAwait(false);
            if (s.Http is not null)
            {
                metricsUrl = BoundAddress(host) + "/metrics";
                log.WriteLine($"serve: http on {BoundAddress(host)} (/healthz, /readyz, /metrics)");
            }
            var (system, registry) = SchedulerHosting.Actors(host.Services);
            var ranks = await AwaitRanksAsync(launch, system, registry, log, stop).ConfigureAwait(false);
            readiness.RanksUp(s.Ranks);
            metrics.RanksReady(s.Ranks, s.Ranks);

            var outcome = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
            var monitor = system.ActorOf(RunMonitor.Props(outcome, null), "monitor");
            var setup = new BalancerSetup(shape, launch.Policy, ArrivalMode.Live, launch.Runtime.Balancer with { ProgressEverySteps = 0 },
                launch.Engines.MaxSequenceTokens, observer) { Router = launch.Router };
            var pipeline = SchedulerPipeline.Start(system, registry, ranks, launch.Runtime, setup, source, results,
                launch.DeadLetters, launch.Runtime.Ingress, monitor, singleton: !launch.Node.IsClusterOfOne,
                balancerNode: balancerNode);
            readiness.Serving();
            // Figures count from here: startup (forming the cluster, starting the ranks) is not service time.
            clock.Restart();
            if (!balancerNode)
                log.WriteLine($"serve: {source.Name} → {results.Name}; an ingress of the balancer on the balancer nodes (G={s.Ranks})");
            else
                log.WriteLine($"serve: {source.Name} → {results.Name}; G={s.Ranks} B={s.Batch}, " +
                              (launch.Router is { } router ? $"router {router.Name} (arrival binding), " : $"policy {launch.Policy?.Name}, ") +
                              $"engine {launch.Engines.Kind}{(launch.Engines.Kind == DecodeEngines.CostModelKind ? $" ×{s.TimeScale.ToString(CultureInfo.InvariantCulture)}" : "")}");

            var watch = new ServiceWatch(pipeline, metrics, statistics, log, s, clock) { EndsWithOwnSource = !balancerNode };
            var (ending, ended) = await watch.RunAsync(outcome.Task, stop).ConfigureAwait(false);
            var unfinished = 0;
            if (ending is ServiceEnding.Stopped or ServiceEnding.Idle)
            {
                readiness.Draining();
                (ended, unfinished) = launch.Node.IsClusterOfOne || HostsBalancer(system)
                    ? await DrainAsync(pipeline, outcome.Task, s.DrainTimeout, log).ConfigureAwait(false)
                    : await DrainIngressAsync(pipeline, s.DrainTimeout, log).ConfigureAwait(false);
            }
            await FlushAsync(pipeline, launch.Runtime.ShutdownTimeout).ConfigureAwait(false);

            var error = ended switch
            {
                RunFailed failed => $"failed at step {failed.Step}: {failed.Reason}",
                IngressFault fault => fault.Reason,
                _ => null,
            };
            if (error is not null) ending = ServiceEnding.Failed;
            var summary = statistics.Snapshot(clock.Elapsed.TotalSeconds);
            // The balancer counts what it accepts where it runs; an ingress alone reports what it delivered itself.
            if (!balancerNode)
                summary = summary with { Accepted = (await pipeline.Ingress.Ask<IngressStatus>(GetIngressStatus.Instance, TimeSpan.FromSeconds(5)).ConfigureAwait(false)).Accepted };
            await SnapshotMetricsAsync(metrics, s.MetricsSnapshot, log).ConfigureAwait(false);
            return new ServiceOutcome(ending, error is null ? 0 : 1, summary, unfinished, metricsUrl, error);
        }
        finally
        {
            // Coordinated shutdown leaves the cluster and stops the ranks, the streams and the writers (closing the sinks).
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The rank region once all G ranks are up: on a node that does not host them all, after rank hosts declaring
    /// them have joined and their regions have registered.</summary>
    private static async Task<IActorRef> AwaitRanksAsync(ServiceLaunch launch, ActorSystem system, ActorRegistry registry, TextWriter log,
        CancellationToken stop)
    {
        var s = launch.Settings;
        var ranks = await registry.GetAsync<RankRegion>(stop).ConfigureAwait(false);
        if (!launch.Node.JoinsSelf || launch.Node.HostedRanks(s.Ranks) < s.Ranks)
        {
            log.WriteLine($"serve: node {Akka.Cluster.Cluster.Get(system).SelfAddress} ({string.Join(",", launch.Node.Roles)}) waits for rank hosts declaring {s.Ranks} ranks");
            var shown = new Progress<int>(n => log.WriteLine($"serve: rank hosts declare {n} of {s.Ranks} ranks"));
            await RankCluster.AwaitRankHostsAsync(system, s.Ranks, launch.Runtime.StartupTimeout, shown, stop).ConfigureAwait(false);
            await RankCluster.AwaitRankRegionsAsync(system, ranks, launch.Runtime.StartupTimeout, stop).ConfigureAwait(false);
        }
        await RankCluster.AwaitRanksAsync(ranks, s.Ranks, launch.Runtime.StartupTimeout, stop).ConfigureAwait(false);
        return ranks;
    }

    /// <summary>
    /// Stop taking requests; those in the service finish within <paramref name="timeout"/> (the balancer reports
    /// <see cref="ServiceFinished"/> once its input has ended and every result is written); after that, what is left
    /// goes back to its source. Returns how the service ended and how many requests it gave back.
    /// </summary>
    private static async Task<(object? Ended, int Unfinished)> DrainAsync(SchedulerPipeline pipeline, Task<object> outcome, TimeSpan timeout, TextWriter log)
    {
        pipeline.Ingress.Tell(StopIngestion.Instance);
        var finished = await Task.WhenAny(outcome, Task.Delay(timeout)).ConfigureAwait(false) == outcome;
        if (finished) return (outcome.Result, 0);
        var returned = await pipeline.Balancer.Ask<UnfinishedReturned>(ReturnUnfinished.Instance, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        log.WriteLine($"serve: drain timeout ({timeout.TotalSeconds:0.#} s): {returned.Count} unfinished request(s) given back to the source");
        return (null, returned.Count);
    }

    /// <summary>This node runs the balancer singleton: it is the oldest Up member with the balancer role.</summary>
    private static bool HostsBalancer(ActorSystem system)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var oldest = cluster.State.Members
            .Where(m => m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole(NodeRoles.Balancer))
            .Aggregate((Akka.Cluster.Member?)null, (a, m) => a is null || m.IsOlderThan(a) ? m : a);
        return oldest?.Address == cluster.SelfAddress;
    }

    /// <summary>
    /// A drain on a balancer node that does not run the balancer: stop taking requests and let this ingress's requests
    /// finish within <paramref name="timeout"/>. The balancer goes on serving the other nodes; what is still unacknowledged
    /// when this node leaves goes back to its broker with the connection, and is delivered to another node.
    /// </summary>
    private static async Task<(object? Ended, int Unfinished)> DrainIngressAsync(SchedulerPipeline pipeline, TimeSpan timeout, TextWriter log)
    {
        pipeline.Ingress.Tell(StopIngestion.Instance);
        var deadline = Stopwatch.StartNew();
        var held = 0;
        while (deadline.Elapsed < timeout)
        {
            held = (await pipeline.Ingress.Ask<IngressStatus>(GetIngressStatus.Instance, TimeSpan.FromSeconds(5)).ConfigureAwait(false)).Unacknowledged;
            if (held == 0) return (null, 0);
            await Task.Delay(200).ConfigureAwait(false);
        }
        log.WriteLine($"serve: drain timeout ({timeout.TotalSeconds:0.#} s): {held} unfinished request(s) go back to the source as this node leaves");
        return (null, held);
    }

    /// <summary>Every sink flushed: no line is cut when the process ends.</summary>
    private static async Task FlushAsync(SchedulerPipeline pipeline, TimeSpan timeout)
    {
        foreach (var writer in new[] { pipeline.ResultWriter, pipeline.DeadLetterWriter }.Distinct())
        {
            try
            {
                await writer.Ask<SinkFlushed>(FlushSink.Instance, timeout).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AskTimeoutException or TaskCanceledException or ArgumentException)
            {
                // A failed sink answers SinkFailed (an ArgumentException to Ask): the failure is reported already.
            }
        }
    }

    private static async Task SnapshotMetricsAsync(ServiceMetrics metrics, string? path, TextWriter log)
    {
        if (path is null) return;
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null) Directory.CreateDirectory(directory);
            await File.WriteAllTextAsync(path, await metrics.ScrapeAsync().ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.WriteLine($"serve: could not write the metrics snapshot to {path}: {ex.Message}");
        }
    }

    internal static IHost Build(ServiceLaunch launch, ServiceMetrics metrics, ServiceReadiness readiness)
    {
        var s = launch.Settings;
        // The node's address, roles and seeds go over everything else; with seeds it joins them instead of itself.
        launch = launch with
        {
            Config = launch.Node.ToAkkaConfig(s.Ranks).WithFallback(launch.Config),
            Runtime = launch.Runtime with { JoinSelf = launch.Node.JoinsSelf },
        };
        void HealthChecks(AkkaConfigurationBuilder b)
        {
            b.WithActorSystemLivenessCheck(tags: [ServiceReadiness.LivenessTag]);
            b.WithHealthCheck("scheduler-ready", (_, _, _) => Task.FromResult(readiness.Check()), tags: [ServiceReadiness.ReadinessTag]);
        }
        if (s.Http is not { } http)
        {
            var generic = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            generic.Services.AddSchedulerHost(launch.Config, launch.Runtime, launch.Engines);
            return generic.Build();
        }
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "scheduler" });
        // The web host's own console logs would land beside the results on stdout: warnings go to stderr only.
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).AddFilter(level => level >= LogLevel.Warning);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.WebHost.UseUrls($"http://{http}");
        builder.Services.AddHealthChecks();
        builder.Services.AddSchedulerHost(launch.Config, launch.Runtime, launch.Engines, HealthChecks);
        var app = builder.Build();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = r => r.Tags.Contains(ServiceReadiness.LivenessTag) });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = r => r.Tags.Contains(ServiceReadiness.ReadinessTag) });
        app.MapGet("/metrics", async context =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        });
        return app;
    }

    internal static string BoundAddress(IHost host) =>
        host is WebApplication app ? app.Urls.FirstOrDefault() ?? "?" : "?";
}

/// <summary>
/// What /readyz answers: ready once every rank is up and the pipeline takes requests, no longer once it drains.
/// /healthz is Akka.Hosting's liveness check of the actor system.
/// </summary>
public sealed class ServiceReadiness(int ranks)
{
    public const string LivenessTag = "liveness";
    public const string ReadinessTag = "readiness";

    private volatile int _ranksUp;
    private volatile int _phase; // 0 starting, 1 serving, 2 draining

    public void RanksUp(int count) => _ranksUp = count;
    public void Serving() => _phase = 1;
    public void Draining() => _phase = 2;

    public HealthCheckResult Check() => _phase switch
    {
        1 => HealthCheckResult.Healthy($"serving: {_ranksUp} of {ranks} ranks up"),
        2 => HealthCheckResult.Unhealthy("draining: no longer taking requests"),
        _ => HealthCheckResult.Unhealthy($"starting: {_ranksUp} of {ranks} ranks up"),
    };
}
