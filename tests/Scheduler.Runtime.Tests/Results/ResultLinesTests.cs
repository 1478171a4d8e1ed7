using System.Text.Json;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Results;

namespace Scheduler.Runtime.Tests.Results;

/// <summary>Result lines as a reader parses them: valid JSON whatever the id, times to the nanosecond, nulls where unknown.</summary>
public sealed class ResultLinesTests
{
    [Theory]
    [InlineData("plain-17")]
    [InlineData("quote \" and backslash \\ in it")]
    [InlineData("tab\tand newline\n")]
    [InlineData("ünïcødé ✓")]
    public void Any_id_round_trips_through_the_json_line(string id)
    {
        var line = ResultLines.Format(new RequestResult(id, ResultStatus.Completed, 3, 0.0022309999999, 1.5, 12.000000001, 42), ResultFormat.JsonLines);

        var json = JsonDocument.Parse(line).RootElement;
        Assert.Equal(id, json.GetProperty("id").GetString());
        Assert.Equal(0.002231, json.GetProperty("queued_s").GetDouble());
        Assert.Equal(1.5, json.GetProperty("ttft_s").GetDouble());
        Assert.Equal(12.000000001, json.GetProperty("e2e_s").GetDouble());
        Assert.Equal((3, 42), (json.GetProperty("rank").GetInt32(), json.GetProperty("output_tokens").GetInt32()));
        Assert.False(json.TryGetProperty("reason", out _));
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void A_failure_has_nulls_where_nothing_happened_and_its_reason()
    {
        var json = JsonDocument.Parse(ResultLines.Format(RequestResult.Failure("r", "shutdown", 7), ResultFormat.JsonLines)).RootElement;

        Assert.Equal("failed", json.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("rank").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("e2e_s").ValueKind);
        Assert.Equal(("shutdown", 7), (json.GetProperty("reason").GetString(), json.GetProperty("output_tokens").GetInt32()));
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(-0.25, "-0.25")]
    [InlineData(3600.5, "3600.5")]
    [InlineData(1e-10, "0")]
    [InlineData(2e10, "20000000000")]
    public void Seconds_are_written_plainly(double seconds, string text)
    {
        var line = ResultLines.Format(new RequestResult("x", ResultStatus.Completed, 0, seconds, 0, 0, 1), ResultFormat.JsonLines);

        Assert.Contains($"\"queued_s\":{text},", line);
    }

    [Fact]
    public void A_dead_letter_keeps_its_original_text()
    {
        var json = JsonDocument.Parse(ResultLines.Format(new DeadLetter("prompt_tokens 0 must be positive", "f.jsonl:3", "{\"id\": \"x\"}"), ResultFormat.JsonLines)).RootElement;

        Assert.Equal(("rejected", "f.jsonl:3", "{\"id\": \"x\"}"),
            (json.GetProperty("status").GetString(), json.GetProperty("position").GetString(), json.GetProperty("text").GetString()));
    }
}
