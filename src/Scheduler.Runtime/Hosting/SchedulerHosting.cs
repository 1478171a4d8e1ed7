using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Engines;

namespace Scheduler.Runtime.Hosting;

/// <summary>The key of the rank entities' shard region in the <see cref="ActorRegistry"/>.</summary>
public sealed class RankRegion;

/// <summary>
/// The composition root every entry point shares (<c>scheduler run</c>, <c>scheduler serve</c>, the tests):
/// Akka.Hosting builds the actor system from the runtime's HOCON, joins the embedded cluster and starts the rank
/// entities' shard region, registered as <see cref="RankRegion"/>, with the node's <see cref="RankHostAgent"/> beside it
/// where the node hosts ranks. What runs on top (barrier, balancer, ingress)
/// is started by the caller once the ranks are up.
/// </summary>
public static class SchedulerHosting
{
    public const string SystemName = "scheduler";

    public static AkkaConfigurationBuilder WithSchedulerRuntime(
        this AkkaConfigurationBuilder builder, Config config, RuntimeSettings settings, IDecodeEngineFactory engines)
    {
        builder.AddHocon(config, HoconAddMode.Prepend);
        // Sharding's serializers from the start: a peer's coordinator messages may arrive before this node starts its region.
        builder.AddHocon(ClusterSharding.DefaultConfig(), HoconAddMode.Append);
        var tls = ClusterTlsSettings.FromConfig(config);
        if (tls.Enabled)
        {
            builder.AddHocon(ClusterTls.Hocon, HoconAddMode.Prepend);
            builder.AddSetup(ClusterTls.Setup(tls));
        }
        builder.AddStartup(async (system, registry) =>
        {
            if (settings.JoinSelf) await RankCluster.JoinSelfAsync(system, settings.StartupTimeout).ConfigureAwait(false);
            else await RankCluster.AwaitUpAsync(system, settings.StartupTimeout).ConfigureAwait(false);
            var region = await RankCluster.StartRankRegionAsync(system, settings, engines).ConfigureAwait(false);
            registry.Register<RankRegion>(region);
            if (RankCluster.StartRankHostAgent(system, settings, region) is { } agent) registry.Register<RankHostAgent>(agent);
        });
        return builder;
    }

    /// <summary>
    /// The scheduler's actor system in a host's services, without console logging or signal handling of its own
    /// (the commands handle SIGINT and SIGTERM, so a stop drains instead of killing). <paramref name="more"/> adds to
    /// the actor system's configuration (health checks).
    /// </summary>
    public static IServiceCollection AddSchedulerHost(
        this IServiceCollection services, Config config, RuntimeSettings settings, IDecodeEngineFactory engines,
        Action<AkkaConfigurationBuilder>? more = null)
    {
        services.AddSingleton<IHostLifetime, CommandLifetime>();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownTimeout);
        services.AddAkka(SystemName, b =>
        {
            b.WithSchedulerRuntime(config, settings, engines);
            more?.Invoke(b);
        });
        return services;
    }

    /// <summary>A generic host with nothing but the scheduler's actor system (replays).</summary>
    public static HostApplicationBuilder CreateBuilder(Config config, RuntimeSettings settings, IDecodeEngineFactory engines)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSchedulerHost(config, settings, engines);
        return builder;
    }

    /// <summary>The actor system and its registry once the host has started.</summary>
    public static (ActorSystem System, ActorRegistry Registry) Actors(IServiceProvider services) =>
        (services.GetRequiredService<ActorSystem>(), services.GetRequiredService<ActorRegistry>());
}

/// <summary>A host lifetime that leaves signals to the command running the host.</summary>
public sealed class CommandLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
