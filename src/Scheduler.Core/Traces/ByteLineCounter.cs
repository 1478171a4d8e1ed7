namespace Scheduler.Core.Traces;

/// <summary>
/// Maps byte offsets in a UTF-8 buffer to 1-based line numbers. Utf8JsonReader gives token offsets but not
/// lines; records are visited in order, so counting newlines forward from the last query is linear overall.
/// </summary>
internal sealed class ByteLineCounter
{
    private readonly ReadOnlyMemory<byte> _data;
    private long _offset;
    private int _line = 1;

    public ByteLineCounter(ReadOnlyMemory<byte> data) => _data = data;

    public int LineAt(long offset)
    {
        if (offset < _offset)
        {
            _offset = 0;
            _line = 1;
        }
        offset = Math.Min(offset, _data.Length);
        _line += _data.Span[(int)_offset..(int)offset].Count((byte)'\n');
        _offset = offset;
        return _line;
    }
}
