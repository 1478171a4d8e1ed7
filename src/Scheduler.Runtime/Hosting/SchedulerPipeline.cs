using Akka.Actor;
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
    /// <param name="deadLetters">Where malformed records go; null: the results sink, as <c>"status": "rejected"</c> records.</param>
    /// <param name="monitor">Hears how the run or service goes (<see cref="Messages.RunCompleted"/>, <see cref="Messages.ServiceFinished"/>,
    /// <see cref="Messages.RunFailed"/>, progress, <see cref="IngressFault"/>).</param>
    public static SchedulerPipeline Start(
        ActorSystem system, ActorRegistry registry, IActorRef ranks, RuntimeSettings settings, BalancerSetup setup,
        IRequestSource source, IResultSink results, IResultSink? deadLetters, IngressSettings ingress, IActorRef monitor)
    {
        // A live service's epoch is its start time: ranks follow the newest and ignore an older balancer's ticks still on their way.
        var epoch = setup.Live ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() : 0;
        var barrier = system.ActorOf(BarrierActor.Props(setup.Shape.Ranks, ranks, settings.Barrier, epoch).WithDispatcher(settings.BarrierDispatcher), "barrier");
        var balancer = system.ActorOf(BalancerActor.Props(setup, barrier, ranks, monitor).WithDispatcher(settings.BalancerDispatcher), "balancer");
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
