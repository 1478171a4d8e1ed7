using System.Collections.Immutable;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Logic;

/// <summary>
/// A rank host agent's batch: the step and epoch of the last <see cref="HostTick"/>, the local ranks it still waits for,
/// and the answers (reports and failures) it has collected. <see cref="Pending"/> until the last rank answers and the
/// batch goes out. Immutable; <see cref="HostBatchLogic"/> computes the next one.
/// </summary>
public sealed record HostBatch(
    int Step, long Epoch, ImmutableArray<int> Waiting, ImmutableArray<StepCompleted> Reports, ImmutableArray<RankStepFailed> Failures)
{
    public static readonly HostBatch None = new(0, 0, [], [], []);

    /// <summary>Some rank of the batch has not answered yet (so the batch has not gone out).</summary>
    public bool Pending => Waiting.Length > 0;

    /// <summary>Some rank answered.</summary>
    public bool HasAnswers => !Reports.IsEmpty || !Failures.IsEmpty;

    /// <summary>The rank's answer is in the batch.</summary>
    public bool HasAnswered(int rank)
    {
        foreach (var report in Reports)
            if (report.Rank == rank) return true;
        foreach (var failure in Failures)
            if (failure.Rank == rank) return true;
        return false;
    }
}

/// <summary>What a rank host agent must do after a transition.</summary>
public abstract record HostBatchEvent
{
    /// <summary>Give the tick to the rank's entity on this node, the agent as its sender (the answer comes back to the agent).</summary>
    public sealed record DeliverLocally(Tick Tick) : HostBatchEvent;

    /// <summary>The rank does not live here (moved, restarting): send the tick through the rank region, the barrier as its
    /// sender, as the barrier would have without the agent.</summary>
    public sealed record ThroughRegion(Tick Tick) : HostBatchEvent;

    /// <summary>Every rank of the batch answered: send this to the barrier.</summary>
    public sealed record SendBatch(HostStepCompleted Batch) : HostBatchEvent;

    /// <summary>An answer that belongs to no pending batch (a re-tick's duplicate, an older step's): pass it on to the barrier
    /// alone, which counts or ignores it as it would have without the agent.</summary>
    public sealed record Forward(IBarrierMessage Answer) : HostBatchEvent;
}

/// <summary>
/// The rank host agent as pure functions <c>(batch, command) → (batch, events)</c>: a <see cref="HostTick"/> opens a batch
/// for the ranks that live here (the others go through the region), each local rank's first answer fills its place, and
/// the batch goes out, as one <see cref="HostStepCompleted"/>, with the last. A second <see cref="HostTick"/> for the same
/// step (the barrier re-ticking) joins the pending batch; one for another step replaces it (the barrier has closed the old
/// step, so its partial answers are of no use).
/// </summary>
public static class HostBatchLogic
{
    /// <param name="isLocal">Whether the rank's entity lives on this node.</param>
    public static (HostBatch Batch, ImmutableArray<HostBatchEvent> Events) Open(HostBatch batch, HostTick tick, Func<int, bool> isLocal)
    {
        // An older balancer's ticks still on their way: its ranks ignore them too, and it must not displace the new one's batch.
        if (tick.Epoch < batch.Epoch) return (batch, ImmutableArray<HostBatchEvent>.Empty);

        var joining = batch.Pending && batch.Step == tick.Step && batch.Epoch == tick.Epoch;
        var waiting = ImmutableArray.CreateBuilder<int>(tick.Ticks.Length + (joining ? batch.Waiting.Length : 0));
        if (joining) waiting.AddRange(batch.Waiting);
        var events = ImmutableArray.CreateBuilder<HostBatchEvent>(tick.Ticks.Length + 1);
        foreach (var t in tick.Ticks)
        {
            if (!isLocal(t.Rank))
            {
                waiting.Remove(t.Rank);
                events.Add(new HostBatchEvent.ThroughRegion(t));
                continue;
            }
            // Its answer is in the batch already; ticking it again would only bring a duplicate.
            if (joining && batch.HasAnswered(t.Rank)) continue;
            if (!waiting.Contains(t.Rank)) waiting.Add(t.Rank);
            events.Add(new HostBatchEvent.DeliverLocally(t));
        }
        var next = joining
            ? batch with { Waiting = waiting.ToImmutable() }
            : new HostBatch(tick.Step, tick.Epoch, waiting.ToImmutable(), [], []);
        if (joining && !next.Pending && next.HasAnswers) events.Add(Send(next));
        return (next, events.ToImmutable());
    }

    /// <summary>A rank answered (<see cref="StepCompleted"/> or <see cref="RankStepFailed"/>).</summary>
    public static (HostBatch Batch, ImmutableArray<HostBatchEvent> Events) Answer(HostBatch batch, IBarrierMessage answer)
    {
        var (rank, epoch) = answer switch
        {
            StepCompleted report => (report.Rank, report.Epoch),
            RankStepFailed failed => (failed.Rank, batch.Epoch),
            _ => throw new ArgumentException($"{answer.GetType().Name} is not a rank's answer to a tick", nameof(answer)),
        };
        var at = batch.Waiting.IndexOf(rank);
        if (at < 0 || answer.Step != batch.Step || epoch != batch.Epoch)
            return (batch, [new HostBatchEvent.Forward(answer)]);

        var next = answer is StepCompleted completed
            ? batch with { Waiting = batch.Waiting.RemoveAt(at), Reports = batch.Reports.Add(completed) }
            : batch with { Waiting = batch.Waiting.RemoveAt(at), Failures = batch.Failures.Add((RankStepFailed)answer) };
        return next.Pending ? (next, ImmutableArray<HostBatchEvent>.Empty) : (next, [Send(next)]);
    }

    /// <summary>A rank thought local was gone when its tick was delivered (its entity stopping): it went through the region
    /// instead, and answers the barrier itself, so the batch no longer waits for it.</summary>
    public static (HostBatch Batch, ImmutableArray<HostBatchEvent> Events) Withdraw(HostBatch batch, int rank)
    {
        var at = batch.Waiting.IndexOf(rank);
        if (at < 0) return (batch, ImmutableArray<HostBatchEvent>.Empty);
        var next = batch with { Waiting = batch.Waiting.RemoveAt(at) };
        return next.Pending || !next.HasAnswers
            ? (next, ImmutableArray<HostBatchEvent>.Empty)
            : (next, [Send(next)]);
    }

    private static HostBatchEvent.SendBatch Send(HostBatch batch) => new(new HostStepCompleted(batch.Step, batch.Reports, batch.Failures));
}
