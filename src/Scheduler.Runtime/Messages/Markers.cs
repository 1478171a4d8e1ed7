namespace Scheduler.Runtime.Messages;

/// <summary>A message that may cross nodes: bound to <see cref="Serialization.SchedulerMessageSerializer"/>
/// in config/scheduler.conf, with a round-trip test per type.</summary>
public interface ISchedulerMessage;

/// <summary>Carries the rank it concerns, so one extractor routes it through sharding or a local parent.</summary>
public interface IWithRankId
{
    int Rank { get; }
}

/// <summary>A message addressed to a rank entity (routed by <see cref="Actors.RankMessageExtractor"/>).</summary>
public interface IRankCommand : IWithRankId, ISchedulerMessage;

/// <summary>A message of the step barrier; every one names the step it belongs to.</summary>
public interface IBarrierMessage : ISchedulerMessage
{
    int Step { get; }
}
