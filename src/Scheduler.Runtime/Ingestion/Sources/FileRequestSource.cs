using Akka;
using Akka.Streams.Dsl;

namespace Scheduler.Runtime.Ingestion.Sources;

/// <summary><c>file:PATH</c>: JSON lines or a request CSV, streamed (never loaded whole); positions <c>PATH:line</c>.</summary>
public sealed class FileRequestSource(string path, int maxLineBytes = LineFraming.DefaultMaxLineBytes) : IRequestSource
{
    public string Path { get; } = path;
    public string Name => $"file:{Path}";
    public bool Redelivers => false;
    public RecordFraming Framing => RecordFraming.Lines;

    public Source<Delivery, NotUsed> Open()
    {
        if (!File.Exists(Path)) throw new FileNotFoundException($"request file '{Path}' does not exist", Path);
        return TextStreamSource.Deliveries(FileIO.FromFile(new FileInfo(Path), chunkSize: 64 * 1024), Path, maxLineBytes);
    }
}
