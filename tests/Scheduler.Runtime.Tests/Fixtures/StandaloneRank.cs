using Akka.Actor;
using Scheduler.Core.CostModels;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Engines;

namespace Scheduler.Runtime.Tests.Fixtures;

/// <summary>A rank entity on its own, outside any region or directory, decoding with the cost model at batch 8:
/// for specs that tick it by hand and read its reports.</summary>
internal static class StandaloneRank
{
    public static readonly CostModelEngineFactory Engines = new(ReferenceLinearCost.ForBatch(8), 8);

    public static IActorRef Start(ActorSystem system, int rank) =>
        system.ActorOf(RankEntity.Props(rank, Engines, registerLocally: false));
}
