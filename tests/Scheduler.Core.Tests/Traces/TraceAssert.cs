using Scheduler.Core.Model;
using Scheduler.Core.Traces;

namespace Scheduler.Core.Tests.Traces;

/// <summary>Writes a malformed trace, reads it, and checks the error points at the file, line and cause.</summary>
internal static class TraceAssert
{
    public static TraceFormatException Rejects(Func<string, Workload> read, string content, string extension, int line, params string[] reasonParts)
    {
        using var file = new TempTrace(content, extension);
        var e = Assert.Throws<TraceFormatException>(() => read(file.Path));
        Assert.Equal(file.Path, e.File);
        Assert.Equal(line, e.Line);
        foreach (var part in reasonParts) Assert.Contains(part, e.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith(line > 0 ? $"{file.Path}:{line}: " : $"{file.Path}: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    public static Workload Reads(Func<string, Workload> read, string content, string extension)
    {
        using var file = new TempTrace(content, extension);
        return read(file.Path);
    }

    public static void IdsAreInOrderAndArrivalsNeverDecrease(Workload w)
    {
        for (var i = 0; i < w.Count; i++)
        {
            Assert.Equal(i, w[i].Id);
            if (i > 0) Assert.True(w[i].ArrivalSeconds >= w[i - 1].ArrivalSeconds, $"arrival of {i} decreases");
        }
    }
}
