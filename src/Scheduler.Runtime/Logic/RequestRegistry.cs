using System.Collections.Immutable;

namespace Scheduler.Runtime.Logic;

/// <summary>
/// What the balancer knows of each request it holds, by slot: the producer's id, the ingress that delivered it and
/// its deliveries there (the first and any redelivery of the same id that attached to it), and whether its result
/// has gone out. Ids in the service map to their slot, so a redelivery is recognised and never scheduled twice.
/// Entries are dropped when the slot is released: the registry holds only what is in the service.
/// </summary>
public sealed class RequestRegistry
{
    private string?[] _id = new string?[64];
    private int[] _ingress = new int[64];
    private List<long>?[] _tags = new List<long>?[64];
    private int[] _tagsSent = new int[64];
    private readonly Dictionary<string, int> _slotOfId = new(StringComparer.Ordinal);

    /// <summary>Requests held (registered and not yet removed).</summary>
    public int Count => _slotOfId.Count;

    public bool TryFind(string id, out int slot) => _slotOfId.TryGetValue(id, out slot);

    public void Register(int slot, string id, int ingress, long deliveryTag)
    {
        Hold(slot, id, ingress);
        _tags[slot]!.Add(deliveryTag);
    }

    /// <summary>
    /// A request adopted from a rank when this balancer took over from a lost one: no ingress has delivered it to this
    /// balancer yet (ingress −1, no delivery). The ingress that holds its delivery sends it again and claims it
    /// (<see cref="Claim"/>); returns false, registering nothing, when the id is already held.
    /// </summary>
    public bool TryRegisterAdopted(int slot, string id)
    {
        if (_slotOfId.ContainsKey(id)) return false;
        Hold(slot, id, ingress: -1);
        return true;
    }

    /// <summary>The slot holds request <paramref name="id"/> from <paramref name="ingress"/>, with no delivery yet.</summary>
    private void Hold(int slot, string id, int ingress)
    {
        if (slot >= _id.Length) Grow(Math.Max(slot + 1, 2 * _id.Length));
        if (_id[slot] is not null) throw new InvalidOperationException($"slot {slot} still holds request '{_id[slot]}'");
        _id[slot] = id;
        _ingress[slot] = ingress;
        (_tags[slot] ??= new List<long>(1)).Clear();
        _tagsSent[slot] = 0;
        _slotOfId.Add(id, slot);
    }

    /// <summary>An adopted request's delivery came: its result goes to that ingress, and acknowledges the delivery.</summary>
    public void Claim(int slot, int ingress, long deliveryTag)
    {
        if (_ingress[slot] >= 0) throw new InvalidOperationException($"request '{_id[slot]}' was claimed already");
        _ingress[slot] = ingress;
        _tags[slot]!.Add(deliveryTag);
    }

    /// <summary>An adopted request whose delivery no ingress claimed in time: its result goes to <paramref name="ingress"/>
    /// with nothing to acknowledge, so that it is written all the same.</summary>
    public void AssignUnclaimed(int slot, int ingress) => _ingress[slot] = ingress;

    public string IdOf(int slot) => _id[slot] ?? throw new InvalidOperationException($"slot {slot} holds no request");

    public int IngressOf(int slot) => _ingress[slot];

    /// <summary>A redelivery of the request in <paramref name="slot"/>: acknowledged with it, never scheduled.</summary>
    public void AttachDelivery(int slot, long deliveryTag) => _tags[slot]!.Add(deliveryTag);

    /// <summary>The result goes out now: the deliveries it acknowledges (every one so far).</summary>
    public ImmutableArray<long> TakeDeliveriesForResult(int slot)
    {
        var tags = _tags[slot]!;
        _tagsSent[slot] = tags.Count;
        return [.. tags];
    }

    /// <summary>Deliveries that attached after the result went out; they are acknowledged once it is written.</summary>
    public ImmutableArray<long> LateDeliveries(int slot)
    {
        var tags = _tags[slot]!;
        var sent = _tagsSent[slot];
        return sent >= tags.Count ? ImmutableArray<long>.Empty : [.. tags.GetRange(sent, tags.Count - sent)];
    }

    /// <summary>Every delivery of the request (shutdown: given back or reported together).</summary>
    public ImmutableArray<long> AllDeliveries(int slot) => [.. _tags[slot]!];

    public bool Holds(int slot) => slot < _id.Length && _id[slot] is not null;

    public void Remove(int slot)
    {
        if (_id[slot] is { } id) _slotOfId.Remove(id);
        _id[slot] = null;
        _tags[slot]?.Clear();
    }

    /// <summary>The slots of every request held.</summary>
    public IEnumerable<int> Slots => _slotOfId.Values;

    private void Grow(int size)
    {
        Array.Resize(ref _id, size);
        Array.Resize(ref _ingress, size);
        Array.Resize(ref _tags, size);
        Array.Resize(ref _tagsSent, size);
    }
}
