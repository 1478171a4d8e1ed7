using Scheduler.Core.Traces;

namespace Scheduler.Core.Tests.Traces;

public sealed class TraceFormatExceptionTests
{
    [Fact]
    public void Message_is_file_line_and_reason_on_one_line()
    {
        var e = new TraceFormatException("data/t.csv", 12, "GeneratedTokens 0 must be positive");

        Assert.Equal("data/t.csv:12: GeneratedTokens 0 must be positive", e.Message);
        Assert.Equal("data/t.csv", e.File);
        Assert.Equal(12, e.Line);
        Assert.Equal("GeneratedTokens 0 must be positive", e.Reason);
    }

    [Fact]
    public void Message_without_a_line_is_file_and_reason()
    {
        var inner = new IOException("gone");
        var e = new TraceFormatException("t.json", 0, "file not found", inner);

        Assert.Equal("t.json: file not found", e.Message);
        Assert.Same(inner, e.InnerException);
    }
}
