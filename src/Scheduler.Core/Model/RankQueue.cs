namespace Scheduler.Core.Model;

/// <summary>
/// One rank's FIFO of bound requests (slots) in a contiguous array, so a router can read it as a span. Entries
/// leave only from the front; the array slides back to its start (or doubles) when the back reaches its end, so a
/// steady queue costs no allocation.
/// </summary>
internal sealed class RankQueue(int capacity = 16)
{
    private int[] _items = new int[Math.Max(4, capacity)];
    private int _head;

    public int Count { get; private set; }

    public ReadOnlySpan<int> Items => _items.AsSpan(_head, Count);

    public int Front => Count > 0 ? _items[_head] : throw new InvalidOperationException("the rank's queue is empty");

    public void PushBack(int slot)
    {
        if (_head + Count == _items.Length)
        {
            var target = Count < _items.Length / 2 ? _items : new int[_items.Length * 2];
            Array.Copy(_items, _head, target, 0, Count);
            _items = target;
            _head = 0;
        }
        _items[_head + Count++] = slot;
    }

    public int PopFront()
    {
        var slot = Front;
        Count--;
        _head = Count == 0 ? 0 : _head + 1;
        return slot;
    }
}
