namespace Scheduler.Core.Model;

/// <summary>Where a request is in its life: not yet visible, waiting in the queue, decoding on a rank, done,
/// and, once its result is out, released (its slot free for the next request).</summary>
public enum RequestPhase : byte
{
    Pending = 0,
    Queued = 1,
    Active = 2,
    Finished = 3,
    Released = 4,
}
