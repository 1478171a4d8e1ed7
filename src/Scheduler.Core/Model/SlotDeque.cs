namespace Scheduler.Core.Model;

/// <summary>
/// A growable ring of request slots, in the order they were pushed: the pending requests (arrival order) and
/// the monotone deque over them are both rings, because with recycled slots arrival order is no longer index order.
/// </summary>
internal sealed class SlotDeque(int capacity = 16)
{
    private int[] _items = new int[Math.Max(4, capacity)];
    private int _head;

    public int Count { get; private set; }

    public int Front => Count > 0 ? _items[_head] : throw new InvalidOperationException("the deque is empty");

    public int Back => Count > 0 ? _items[(_head + Count - 1) % _items.Length] : throw new InvalidOperationException("the deque is empty");

    public void PushBack(int slot)
    {
        if (Count == _items.Length) Grow();
        _items[(_head + Count) % _items.Length] = slot;
        Count++;
    }

    public int PopFront()
    {
        var slot = Front;
        _head = (_head + 1) % _items.Length;
        Count--;
        return slot;
    }

    public int PopBack()
    {
        var slot = Back;
        Count--;
        return slot;
    }

    private void Grow()
    {
        var grown = new int[_items.Length * 2];
        for (var i = 0; i < Count; i++) grown[i] = _items[(_head + i) % _items.Length];
        _items = grown;
        _head = 0;
    }
}
