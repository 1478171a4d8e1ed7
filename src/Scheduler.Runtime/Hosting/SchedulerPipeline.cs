using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Hosting;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Results;

namespace Scheduler.Runtime.Hosting;

/// <summary>
/// What runs on top of the ranks, for a replay or a service alike: the barrier, the balancer, one writer per sink
/// and the ingress on the source, each registered in the <see cref="ActorRegistry"/> under its actor type.
/// Started once every rank is up, so the first step finds them all.
/// </summary>
public sealed record SchedulerPipeline(IActorRef Barrier, IActorRef Balancer, IActorRef Ingress, IActorRef ResultWriter, IActorRef DeadLetterWriter)
{
    /// <summary>The balancer singleton's manager, at /user/balancer-singleton on every balancer node.</summary>
    public const string SingletonName = "balancer-singleton";

    /// <param name="deadLetters">Where malformed records go; null: the results sink, as <c>"status": "rejected"</c> records.</param>
    /// <param name="monitor">Hears how the run or service goes (<see cref="Messages.RunCompleted"/>, <see cref="Messages.ServiceFinished"/>,
    /// <see cref="Messages.RunFailed"/>, progress, <see cref="IngressFault"/>).</param>
    /// <param name="singleton">Run the balancer and barrier as a cluster singleton on the balancer nodes (a cluster of several
    /// nodes), reached through a proxy; off: plain local actors (a cluster of one, replays).</param>
    /// <param name="balancerNode">With <paramref name="singleton"/>: this node may run the singleton (it has the balancer
    /// role); off: an ingress alone, which reaches the singleton on the balancer nodes through the proxy.</param>
    public static SchedulerPipeline Start(
        ActorSystem system, ActorRegistry registry, IActorRef ranks, RuntimeSettings settings, BalancerSetup setup,
        IRequestSource source, IResultSink results, IResultSink? deadLetters, IngressSettings ingress, IActorRef monitor, bool singleton = false,
        bool balancerNode = true)
    {
        IActorRef barrier, balancer;
        if (singleton)
        {
            if (balancerNode)
                system.ActorOf(ClusterSingletonManager.Props(BalancerSingleton.Props(setup, ranks, settings, monitor), PoisonPill.Instance,
                    ClusterSingletonManagerSettings.Create(system).WithRole(NodeRoles.Balancer)), SingletonName);
            balancer = system.ActorOf(ClusterSingletonProxy.Props($"/user/{SingletonName}",
                ClusterSingletonProxySettings.Create(system).WithRole(NodeRoles.Balancer)), "balancer");
            // The barrier lives beside the balancer, wherever the singleton runs.
            barrier = ActorRefs.Nobody;
            ingress = ingress with { BalancerHeartbeat = ingress.BalancerHeartbeat ?? TimeSpan.FromSeconds(1) };
        }
        else
        {
            // A live service's epoch is its start time: ranks follow the newest and ignore an older balancer's ticks still on their way.
            var epoch = setup.Live ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() : 0;
            barrier = system.ActorOf(BarrierActor.Props(setup.Shape.Ranks, ranks, settings.Barrier, epoch, setup.Observer).WithDispatcher(settings.BarrierDispatcher), "barrier");
            balancer = system.ActorOf(BalancerActor.Props(setup with { Epoch = epoch }, barrier, ranks, monitor).WithDispatcher(settings.BalancerDispatcher), "balancer");
        }
        var resultWriter = system.ActorOf(LineWriterActor.Props(results), "results");
        var deadLetterWriter = deadLetters is null ? resultWriter : system.ActorOf(LineWriterActor.Props(deadLetters), "dead-letters");
        var ingressRef = system.ActorOf(IngressActor.Props(source, balancer, resultWriter, deadLetterWriter, results.Format,
            deadLettersInResults: deadLetters is null, ingress, monitor, setup.Observer), "ingress");
        registry.Register<BarrierActor>(barrier);
        registry.Register<BalancerActor>(balancer);
        registry.Register<IngressActor>(ingressRef);
        return new SchedulerPipeline(barrier, balancer, ingressRef, resultWriter, deadLetterWriter);
    }
}
