namespace Scheduler.Runtime.Logic;

/// <summary>
/// The ids of the last <c>capacity</c> requests whose results are written, oldest forgotten first. A broker redelivers
/// a message whose acknowledgement was lost (a dropped connection, a broker restart); if its request finished
/// already, the redelivery is acknowledged against the result written before instead of being scheduled again.
/// Bounded, so a service that runs for weeks holds a fixed amount; an id seen again after it was forgotten is a new
/// request.
/// </summary>
public sealed class RecentlyFinished(int capacity)
{
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public int Count => _ids.Count;

    public bool Contains(string id) => _ids.Contains(id);

    public void Add(string id)
    {
        if (capacity <= 0 || !_ids.Add(id)) return;
        _order.Enqueue(id);
        if (_order.Count > capacity) _ids.Remove(_order.Dequeue());
    }
}
