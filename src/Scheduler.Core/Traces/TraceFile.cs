namespace Scheduler.Core.Traces;

/// <summary>Reads a whole trace file, turning I/O failures into <see cref="TraceFormatException"/> so
/// callers handle one exception type for every unusable input.</summary>
internal static class TraceFile
{
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>The text of the file; the reader strips a byte-order mark.</summary>
    public static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (IsIoFailure(e))
        {
            throw Unreadable(path, e);
        }
    }

    /// <summary>The raw bytes for System.Text.Json, without a UTF-8 byte-order mark (the reader rejects one).</summary>
    public static ReadOnlyMemory<byte> ReadUtf8(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (IsIoFailure(e))
        {
            throw Unreadable(path, e);
        }
        return bytes.AsSpan().StartsWith(Utf8Bom) ? bytes.AsMemory(Utf8Bom.Length) : bytes;
    }

    /// <summary>Presizes a CSV reader's request list: a trace row is rarely shorter than 30 characters.</summary>
    public static int EstimateRows(string text) => Math.Min(text.Length / 30 + 16, 1 << 20);

    private static bool IsIoFailure(Exception e) =>
        e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException;

    private static TraceFormatException Unreadable(string path, Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => new TraceFormatException(path, 0, "file not found", e),
        _ when Directory.Exists(path) => new TraceFormatException(path, 0, "is a directory, not a trace file", e),
        _ => new TraceFormatException(path, 0, $"cannot read file: {e.Message}", e),
    };
}
