using System.Text;
using Akka;
using Akka.IO;
using Akka.Streams.Dsl;

namespace Scheduler.Runtime.Ingestion;

/// <summary>
/// Splits a byte stream into numbered text lines (UTF-8, '\n' or "\r\n"). A line longer than the limit is cut to
/// the limit and kept, so the parser rejects it as a record with its line number instead of the stream failing;
/// a last line without a newline is a line too.
/// </summary>
public static class LineFraming
{
    public const int DefaultMaxLineBytes = 1 << 20;

    public static Flow<ByteString, TextLine, NotUsed> Lines(int maxLineBytes = DefaultMaxLineBytes) =>
        Flow.Create<ByteString>()
            .Concat(Source.Single(EndMarker))
            .StatefulSelectMany(() =>
            {
                var splitter = new Splitter(maxLineBytes);
                return new Func<ByteString, IEnumerable<TextLine>>(chunk => splitter.Feed(chunk));
            });

    // A unique instance marks the end, so the last unterminated line is emitted.
    private static readonly ByteString EndMarker = ByteString.FromBytes([0]);

    private sealed class Splitter(int maxLineBytes)
    {
        private readonly MemoryStream _line = new();
        private long _number;
        private bool _overlong;

        public List<TextLine> Feed(ByteString chunk)
        {
            var lines = new List<TextLine>();
            if (ReferenceEquals(chunk, EndMarker))
            {
                if (_line.Length > 0 || _overlong) lines.Add(Take());
                return lines;
            }
            var span = chunk.ToReadOnlySpan();
            while (!span.IsEmpty)
            {
                var newline = span.IndexOf((byte)'\n');
                var part = newline < 0 ? span : span[..newline];
                Append(part);
                if (newline < 0) break;
                lines.Add(Take());
                span = span[(newline + 1)..];
            }
            return lines;
        }

        private void Append(ReadOnlySpan<byte> part)
        {
            var room = maxLineBytes - (int)_line.Length;
            if (part.Length > room)
            {
                _overlong = true;
                part = part[..Math.Max(0, room)];
            }
            _line.Write(part);
        }

        private TextLine Take()
        {
            var bytes = _line.GetBuffer().AsSpan(0, (int)_line.Length);
            if (bytes.Length > 0 && bytes[^1] == (byte)'\r') bytes = bytes[..^1];
            var line = new TextLine(Encoding.UTF8.GetString(bytes), ++_number, _overlong);
            _line.SetLength(0);
            _overlong = false;
            return line;
        }
    }
}

/// <summary>One line of a text stream: its text, its 1-based number, and whether it was cut at the length limit.</summary>
public readonly record struct TextLine(string Text, long Number, bool Cut);
