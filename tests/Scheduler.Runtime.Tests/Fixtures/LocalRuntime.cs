using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit;
using Scheduler.Core.CostModels;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Observability;
using Scheduler.Runtime.Results;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Tests.Fixtures;

/// <summary>The runtime's actors wired by hand in a TestKit system, without a cluster: for specs that need to
/// watch or disturb what passes between them. Results and dead letters go to memory.</summary>
internal sealed class LocalRuntime
{
    public required IActorRef Balancer { get; init; }
    public required IActorRef Barrier { get; init; }
    public required IActorRef Ingress { get; init; }
    public required MemoryResultSink Results { get; init; }
    public required MemoryResultSink DeadLetters { get; init; }

    public static readonly BalancerSettings Balancing = new(MaxUnrevealed: 4096, ProgressEverySteps: 50, StepTimeout: TimeSpan.FromSeconds(10));
    public static readonly BarrierSettings Barriers = new(TimeSpan.FromSeconds(10), 3, true);
    public static readonly IngressSettings Ingesting = new(MaxUnacknowledged: int.MaxValue, MaxBatch: 64, RequireOrderedArrivals: true);

    public static LocalRuntime Start(
        TestKitBase kit, ClusterShape shape, IPlacementPolicy policy, IActorRef ranks, IActorRef monitor,
        IRequestSource source, ArrivalMode arrivals = ArrivalMode.Backlog,
        BarrierSettings? barrier = null, BalancerSettings? balancing = null, IngressSettings? ingress = null,
        IServiceObserver? observer = null, int? maxSequenceTokens = null)
    {
        var barrierRef = kit.Sys.ActorOf(BarrierActor.Props(shape.Ranks, ranks, barrier ?? Barriers));
        var setup = new BalancerSetup(shape, policy, arrivals, balancing ?? Balancing, maxSequenceTokens, observer);
        var balancer = kit.Sys.ActorOf(BalancerActor.Props(setup, barrierRef, ranks, monitor));
        var results = new MemoryResultSink("results");
        var deadLetters = new MemoryResultSink("dead-letters");
        var ingressRef = kit.Sys.ActorOf(IngressActor.Props(source, balancer, kit.Sys.ActorOf(LineWriterActor.Props(results)),
            kit.Sys.ActorOf(LineWriterActor.Props(deadLetters)), ResultFormat.JsonLines, deadLettersInResults: false,
            ingress ?? (arrivals == ArrivalMode.Live ? Ingesting with { MaxUnacknowledged = 10_000, RequireOrderedArrivals = false } : Ingesting), monitor, observer));
        return new LocalRuntime { Balancer = balancer, Barrier = barrierRef, Ingress = ingressRef, Results = results, DeadLetters = deadLetters };
    }

    public static IDecodeEngineFactory CostEngines(ClusterShape shape) =>
        new CostModelEngineFactory(ReferenceLinearCost.ForBatch(shape.BatchSize), shape.BatchSize);
}

/// <summary>Cost-model engines that record, per rank, the most requests they ever held at once.</summary>
internal sealed class CapacityWatchingEngines(IDecodeEngineFactory inner, int ranks) : IDecodeEngineFactory
{
    private readonly int[] _maxActive = new int[ranks];

    public string Kind => inner.Kind;

    public IReadOnlyList<int> MaxActive => _maxActive;

    public IDecodeEngine Create(int rank) => new Watching(inner.Create(rank), rank, this);

    private sealed class Watching(IDecodeEngine engine, int rank, CapacityWatchingEngines owner) : IDecodeEngine
    {
        public string Kind => engine.Kind;
        public int ActiveCount => engine.ActiveCount;
        public long Load => engine.Load;

        public void Admit(in RankRequest request)
        {
            engine.Admit(request);
            int seen;
            while ((seen = Volatile.Read(ref owner._maxActive[rank])) < engine.ActiveCount)
                Interlocked.CompareExchange(ref owner._maxActive[rank], engine.ActiveCount, seen);
        }

        public ValueTask<DecodeStepResult> StepAsync(CancellationToken cancellationToken) => engine.StepAsync(cancellationToken);

        public void Dispose() => engine.Dispose();
    }
}

/// <summary>Forwards everything to the ranks except the first tick for one rank and step, which it loses.</summary>
internal sealed class LossyRanks(IActorRef ranks, int rank, int step) : UntypedActor
{
    private bool _lost;

    public static Props Props(IActorRef ranks, int rank, int step) => Akka.Actor.Props.Create(() => new LossyRanks(ranks, rank, step));

    protected override void OnReceive(object message)
    {
        if (!_lost && message is Tick tick && tick.Rank == rank && tick.Step == step)
        {
            _lost = true;
            return;
        }
        ranks.Forward(message);
    }
}
