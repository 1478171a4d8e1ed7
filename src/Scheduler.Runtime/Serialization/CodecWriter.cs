using System.Buffers.Binary;
using System.Text;

namespace Scheduler.Runtime.Serialization;

/// <summary>
/// Writes <see cref="MessageCodec"/>'s binary form into a buffer kept per thread: the bytes <see cref="BinaryWriter"/>
/// writes (little-endian integers and doubles, a bool as one byte, a string as its UTF-8 length 7 bits at a time and its
/// UTF-8 bytes), without a stream, an encoder and a growing array per message. A tick crosses nodes at every step, so
/// its encoding is on the step's critical path and its garbage on every node's collector.
/// </summary>
internal sealed class CodecWriter
{
    [ThreadStatic] private static CodecWriter? _perThread;

    private byte[] _buffer = new byte[1024];
    private int _length;

    /// <summary>This thread's writer, emptied. Not reentrant: one message at a time per thread, as encoding is.</summary>
    public static CodecWriter Start()
    {
        var writer = _perThread ??= new CodecWriter();
        writer._length = 0;
        return writer;
    }

    /// <summary>The bytes written, as a new array of exactly their length.</summary>
    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    public void Write(byte value) => Take(1)[0] = value;

    public void Write(bool value) => Take(1)[0] = value ? (byte)1 : (byte)0;

    public void Write(int value) => BinaryPrimitives.WriteInt32LittleEndian(Take(4), value);

    public void Write(long value) => BinaryPrimitives.WriteInt64LittleEndian(Take(8), value);

    public void Write(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Take(8), value);

    public void Write(string value)
    {
        var bytes = Encoding.UTF8.GetByteCount(value);
        var length = (uint)bytes;
        while (length >= 0x80)
        {
            Write((byte)(length | 0x80));
            length >>= 7;
        }
        Write((byte)length);
        Encoding.UTF8.GetBytes(value, Take(bytes));
    }

    private Span<byte> Take(int count)
    {
        if (_length + count > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
