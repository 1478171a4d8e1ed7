using Scheduler.Core.Model;
using Scheduler.Core.Traces;

namespace Scheduler.Core.Tests.Traces;

public sealed class MooncakeJsonlReaderTests
{
    private static TraceFormatException Rejects(string content, int line, params string[] reason) =>
        TraceAssert.Rejects(MooncakeJsonlReader.Read, content, ".jsonl", line, reason);

    private static Workload Reads(string content) => TraceAssert.Reads(MooncakeJsonlReader.Read, content, ".jsonl");

    private const string Line0 = """{"timestamp": 1000, "input_length": 6955, "output_length": 52, "hash_ids": [46, 47, 48]}""" + "\n";

    [Fact]
    public void Arrivals_are_milliseconds_since_the_first_record_in_seconds()
    {
        var w = Reads(Line0 +
            """{"timestamp": 1500, "input_length": 10, "output_length": 2}""" + "\n" +
            """{"output_length": 3, "hash_ids": [], "input_length": 20, "timestamp": 61000}""");

        Assert.Equal(
            [new Request(0, 6955, 52, 52, 0.0), new Request(1, 10, 2, 2, 0.5), new Request(2, 20, 3, 3, 60.0)],
            w.Requests);
    }

    [Fact]
    public void Blank_lines_and_crlf_are_skipped()
    {
        var w = Reads("\r\n" + Line0.TrimEnd('\n') + "\r\n   \r\n" + """{"timestamp": 1000, "input_length": 1, "output_length": 1}""" + "\r\n\r\n");

        Assert.Equal(2, w.Count);
        Assert.Equal(0.0, w[1].ArrivalSeconds);
    }

    [Fact]
    public void Mooncake_jsonl_with_zero_output_names_file_and_line() =>
        Rejects(Line0 + "\n" + """{"timestamp": 2000, "input_length": 10, "output_length": 0}""" + "\n", 3, "record 1", "output_length 0", "positive");

    [Fact]
    public void Mooncake_jsonl_with_negative_input_names_file_and_line() =>
        Rejects(Line0 + """{"timestamp": 2000, "input_length": -10, "output_length": 3}""" + "\n", 2, "input_length -10", "positive");

    [Theory]
    [InlineData("\"input_length\": 10.5", "input_length", "not an integer")]
    [InlineData("\"input_length\": 99999999999", "input_length", "out of range")]
    [InlineData("\"input_length\": \"10\"", "input_length", "found string")]
    [InlineData("\"input_length\": 10, \"timestamp\": \"soon\"", "timestamp", "must be a number")]
    public void Mooncake_jsonl_with_a_bad_number_names_file_and_line(string fields, string key, string reason) =>
        Rejects(Line0 + "{\"timestamp\": 2000, \"output_length\": 3, " + fields + "}\n", 2, "record 1", key, reason);

    [Theory]
    [InlineData("""{"input_length": 10, "output_length": 3}""", "missing timestamp")]
    [InlineData("""{"timestamp": 2000, "output_length": 3}""", "missing input_length")]
    [InlineData("""{"timestamp": 2000, "input_length": 10}""", "missing output_length")]
    public void Mooncake_jsonl_record_missing_a_field_names_file_and_line(string row, string reason) =>
        Rejects(Line0 + row + "\n", 2, "record 1", reason);

    [Fact]
    public void Mooncake_jsonl_with_decreasing_timestamps_names_file_and_line() =>
        Rejects(Line0 + """{"timestamp": 999, "input_length": 10, "output_length": 3}""" + "\n", 2, "timestamp 999", "must not decrease");

    [Theory]
    [InlineData("""{"timestamp": 2000, "input_length": 10""")]
    [InlineData("""{"timestamp": 2000, "input_length": 10, "output_length": 3} {"timestamp": 3000, "input_length": 1, "output_length": 1}""")]
    [InlineData("not json")]
    public void Mooncake_jsonl_with_an_invalid_line_names_file_and_line(string row) =>
        Rejects(Line0 + row + "\n" + Line0, 2, "record 1", "invalid JSON");

    [Fact]
    public void Mooncake_jsonl_line_that_is_not_an_object_names_file_and_line() =>
        Rejects(Line0 + "[2000, 10, 3]\n", 2, "expected a JSON object");

    [Fact]
    public void Empty_mooncake_jsonl_is_an_error_naming_the_file() =>
        Rejects("", 0, "empty");

    [Fact]
    public void Mooncake_jsonl_of_blank_lines_is_an_error_naming_the_file() =>
        Rejects("\n  \n\r\n", 0, "empty");
}
