namespace Scheduler.Core.Model;

/// <summary>Where a request is in its life: not yet visible, waiting in the queue, decoding on a rank, done.</summary>
public enum RequestPhase : byte
{
    Pending = 0,
    Queued = 1,
    Active = 2,
    Finished = 3,
}
