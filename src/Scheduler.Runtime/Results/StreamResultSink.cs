using System.Text;

namespace Scheduler.Runtime.Results;

/// <summary>
/// Lines to a byte stream: <c>stdout</c> (the process's real standard output) or <c>file:PATH</c> (created, or
/// truncated). A flush hands the bytes to the operating system, so a crash of the process loses nothing flushed;
/// lines are whole, because a line is only ever written with its newline.
/// </summary>
public sealed class StreamResultSink : IResultSink
{
    private readonly StreamWriter _writer;

    public StreamResultSink(Stream stream, string name, ResultFormat format = ResultFormat.JsonLines)
    {
        Name = name;
        Format = format;
        _writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024) { AutoFlush = false, NewLine = "\n" };
        if (ResultLines.Header(format) is { } header) _writer.WriteLine(header);
    }

    public static StreamResultSink ToFile(string path, ResultFormat? format = null)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous);
        return new StreamResultSink(stream, $"file:{path}", format ?? ResultLines.FormatFor(path));
    }

    public string Name { get; }
    public ResultFormat Format { get; }

    public void Write(string line) => _writer.WriteLine(line);

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        await _writer.BaseStream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _writer.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The reader of a pipe went away: nothing more can be delivered there.
        }
        await _writer.DisposeAsync().ConfigureAwait(false);
    }
}
