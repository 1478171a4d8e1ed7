using System.Collections.Immutable;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Logic;

/// <summary>
/// What a rank decodes, under the rank's own names: each admitted request gets a local id (never reused by this rank),
/// which is what its engine knows it by, mapped to the serial the balancer names it by. The balancer's serials start
/// over with every balancer incarnation, so a rank that keeps its requests across a balancer takeover renames them
/// (<see cref="Rename"/>) instead of handing its engine ids that may clash. It also counts the steps each request has
/// been decoded, so that it can tell a new balancer every request's progress (<see cref="List"/>). With arrival binding
/// it also holds the rank's own queue: requests bound to the rank wait there, first come first admitted.
/// </summary>
/// <remarks>Mutable, owned by one rank actor; one dictionary entry per active request.</remarks>
public sealed class RankSequences
{
    private sealed record Entry(long Serial, string Key, int PromptTokens, int OutputTokens, int PredictedOutputTokens, long AdmittedAtStep);

    private readonly Dictionary<long, Entry> _byLocal = [];
    private readonly Queue<RankRequest> _waiting = new();
    private long _nextLocal = 1;
    private long _steps;

    public int Count => _byLocal.Count;

    /// <summary>Requests waiting in the rank's own queue (arrival binding).</summary>
    public int Waiting => _waiting.Count;

    /// <summary>Requests bound to this rank join the back of its queue, in order.</summary>
    public void Enqueue(ImmutableArray<RankRequest> requests)
    {
        foreach (var r in requests) _waiting.Enqueue(r);
    }

    /// <summary>The <paramref name="count"/> requests at the front of the queue leave it, for admission; false, taking
    /// none, when fewer wait (the balancer and the rank disagree about the queue).</summary>
    public bool TryTakeFromQueue(int count, out ImmutableArray<RankRequest> taken)
    {
        if (count > _waiting.Count)
        {
            taken = ImmutableArray<RankRequest>.Empty;
            return false;
        }
        var builder = ImmutableArray.CreateBuilder<RankRequest>(count);
        for (var i = 0; i < count; i++) builder.Add(_waiting.Dequeue());
        taken = builder.MoveToImmutable();
        return true;
    }

    /// <summary>A new balancer took over: it routes what waited here again (its ingress sends them), so the queue goes.</summary>
    public void DropWaiting() => _waiting.Clear();

    /// <summary>Take a request the balancer placed here; returns it as the engine is to know it (by its local id).</summary>
    public RankRequest Admit(in RankRequest request)
    {
        var local = _nextLocal++;
        _byLocal.Add(local, new Entry(request.Id, request.Key, request.PromptTokens, request.OutputTokens, request.PredictedOutputTokens, _steps));
        return request with { Id = local };
    }

    /// <summary>The engine ran a step: every request one token older. <paramref name="finishedLocal"/> (the engine's ids)
    /// left; returns them by the balancer's serials, in the same order.</summary>
    public ImmutableArray<long> Stepped(ImmutableArray<long> finishedLocal)
    {
        _steps++;
        if (finishedLocal.IsDefaultOrEmpty) return ImmutableArray<long>.Empty;
        var serials = ImmutableArray.CreateBuilder<long>(finishedLocal.Length);
        foreach (var local in finishedLocal)
        {
            if (!_byLocal.Remove(local, out var entry))
                throw new InvalidOperationException($"the engine finished request {local}, which this rank never admitted");
            serials.Add(entry.Serial);
        }
        return serials.MoveToImmutable();
    }

    /// <summary>Every request decoding here, oldest admission first, with the tokens it has generated.</summary>
    public ImmutableArray<ActiveSequence> List() =>
        [.. _byLocal.OrderBy(p => p.Key).Select(p => new ActiveSequence(
            p.Key, p.Value.Key, p.Value.PromptTokens, p.Value.OutputTokens, p.Value.PredictedOutputTokens, (int)(_steps - p.Value.AdmittedAtStep)))];

    /// <summary>A new balancer adopted these requests: each is its serial from now on. Ids this rank does not hold are
    /// ignored (a repeated adoption is harmless).</summary>
    public void Rename(ImmutableArray<long> localIds, ImmutableArray<long> serials)
    {
        if (localIds.Length != serials.Length) throw new ArgumentException($"{localIds.Length} ids for {serials.Length} serials");
        for (var i = 0; i < localIds.Length; i++)
            if (_byLocal.TryGetValue(localIds[i], out var entry)) _byLocal[localIds[i]] = entry with { Serial = serials[i] };
    }

    /// <summary>The engine was replaced by an empty one: nothing decodes or waits here any more.</summary>
    public void Clear()
    {
        _byLocal.Clear();
        _waiting.Clear();
    }
}
