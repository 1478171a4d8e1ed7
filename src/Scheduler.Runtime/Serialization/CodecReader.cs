using System.Buffers.Binary;
using System.Text;

namespace Scheduler.Runtime.Serialization;

/// <summary>
/// Reads <see cref="MessageCodec"/>'s binary form (<see cref="CodecWriter"/>'s bytes) straight from the received array, as
/// <see cref="BinaryReader"/> reads them but without a stream and its buffers. Reading past the end throws
/// <see cref="EndOfStreamException"/>, which the codec reports as a message cut short.
/// </summary>
internal sealed class CodecReader(byte[] bytes)
{
    private int _position;

    /// <summary>Bytes not read yet.</summary>
    public int Remaining => bytes.Length - _position;

    public byte ReadByte() => Take(1)[0];

    public bool ReadBoolean() => Take(1)[0] != 0;

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public string ReadString()
    {
        // The UTF-8 length, 7 bits at a time, at most five bytes (BinaryReader's limit for an int).
        var length = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (shift > 28) throw new FormatException("a string's length is not a 7-bit encoded int");
            var b = ReadByte();
            length |= (b & 0x7F) << shift;
            if (b < 0x80) break;
        }
        if (length < 0) throw new FormatException($"a string of negative length {length}");
        return Encoding.UTF8.GetString(Take(length));
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining) throw new EndOfStreamException($"{count} byte(s) wanted where {Remaining} are left");
        var span = bytes.AsSpan(_position, count);
        _position += count;
        return span;
    }
}
