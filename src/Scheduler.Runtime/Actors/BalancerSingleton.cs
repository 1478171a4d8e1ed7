using Akka.Actor;
using Akka.Event;
using Scheduler.Runtime.Hosting;

namespace Scheduler.Runtime.Actors;

/// <summary>
/// The balancer and its step barrier as one cluster singleton (Akka.Cluster.Tools' singleton manager runs it on the
/// oldest node with the balancer role): this parent starts both with a new epoch, its start time, and forwards
/// everything it is sent (through the singleton proxy: ingresses, the service's watch) to the balancer. When its node
/// is lost the manager starts it on the next balancer node with a newer epoch: the new balancer adopts from the ranks
/// what they decode (<see cref="Messages.ListActive"/>) before its first step, and the ingresses send it again every
/// request they hold without a result (they learn the epoch from <see cref="Messages.BalancerHello"/>), which claims
/// the adopted one of its id.
/// </summary>
public sealed class BalancerSingleton(BalancerSetup setup, IActorRef ranks, RuntimeSettings settings, IActorRef monitor) : UntypedActor
{
    private IActorRef _balancer = ActorRefs.Nobody;

    public static Props Props(BalancerSetup setup, IActorRef ranks, RuntimeSettings settings, IActorRef monitor) =>
        Akka.Actor.Props.Create(() => new BalancerSingleton(setup, ranks, settings, monitor));

    protected override void PreStart()
    {
        var epoch = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Context.GetLogger().Warning("balancer singleton starting on this node, epoch {0}", epoch);
        var barrier = Context.ActorOf(BarrierActor.Props(setup.Shape.Ranks, ranks, settings.Barrier, epoch, setup.Observer).WithDispatcher(settings.BarrierDispatcher), "barrier");
        _balancer = Context.ActorOf(BalancerActor.Props(setup with { Epoch = epoch }, barrier, ranks, monitor)
            .WithDispatcher(settings.BalancerDispatcher), "balancer");
    }

    protected override void OnReceive(object message) => _balancer.Forward(message);
}
