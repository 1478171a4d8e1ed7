using System.Text;

namespace Scheduler.Core.Tests.Traces;

/// <summary>A trace file written to the temp directory for one test and deleted after it.</summary>
internal sealed class TempTrace : IDisposable
{
    public TempTrace(string content, string extension)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"scheduler-trace-{Guid.NewGuid():N}{extension}");
        File.WriteAllText(Path, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    public string Path { get; }

    /// <summary>A path in the temp directory that does not exist.</summary>
    public static string MissingPath(string extension) =>
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"scheduler-trace-missing-{Guid.NewGuid():N}{extension}");

    public void Dispose()
    {
        try { File.Delete(Path); }
        catch (IOException) { }
    }
}
