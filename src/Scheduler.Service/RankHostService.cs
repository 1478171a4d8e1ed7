using Akka.Actor;
using Akka.Cluster;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Observability;

namespace Scheduler.Service;

/// <summary>
/// A node with only the rank-host role: it joins its seed nodes, hosts the rank entities the shard coordinator places on
/// it (as many as it declared with --local-ranks, more only if another host was lost), serves /healthz, /readyz and
/// /metrics, and runs until it is stopped (SIGTERM/SIGINT: it leaves the cluster; its ranks' requests restart on the
/// survivors) or removed from the cluster (downed by the split-brain resolver on the minority side: it exits failed).
/// </summary>
public static class RankHostService
{
    public static async Task<ServiceOutcome> RunAsync(ServiceLaunch launch, TextWriter log, CancellationToken stop)
    {
        var s = launch.Settings;
        var hosted = launch.Node.HostedRanks(s.Ranks);
        var metrics = new ServiceMetrics(hosted, launch.EndpointEvents);
        var readiness = new ServiceReadiness(hosted);
        using var host = SchedulerService.Build(launch, metrics, readiness);
        string? metricsUrl = null;
        try
        {
            await host.StartAsync(stop).ConfigureAwait(false);
            if (s.Http is not null)
            {
                metricsUrl = SchedulerService.BoundAddress(host) + "/metrics";
                log.WriteLine($"serve: http on {SchedulerService.BoundAddress(host)} (/healthz, /readyz, /metrics)");
            }
            var (system, _) = SchedulerHosting.Actors(host.Services);
            var cluster = Cluster.Get(system);
            readiness.RanksUp(hosted);
            metrics.RanksReady(hosted, hosted);
            readiness.Serving();
            log.WriteLine($"serve: rank host {cluster.SelfAddress} up, declaring {hosted} rank(s) (engine {launch.Engines.Kind})");

            var removed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            cluster.RegisterOnMemberRemoved(() => removed.TrySetResult());
            var stopped = Task.Delay(Timeout.Infinite, stop);
            var first = await Task.WhenAny(stopped, removed.Task, system.WhenTerminated).ConfigureAwait(false);
            if (first == stopped)
            {
                readiness.Draining();
                log.WriteLine("serve: rank host leaving the cluster");
                return new ServiceOutcome(ServiceEnding.Stopped, 0, new ServiceStatistics().Snapshot(0), 0, metricsUrl, null);
            }
            var error = $"the rank host {cluster.SelfAddress} was removed from the cluster (downed, or its cluster stopped)";
            return new ServiceOutcome(ServiceEnding.Failed, 1, new ServiceStatistics().Snapshot(0), 0, metricsUrl, error);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
