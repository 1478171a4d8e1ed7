using Scheduler.Core.Model;
using Scheduler.Core.Traces;

namespace Scheduler.Core.Tests.Traces;

public sealed class ReferenceJsonReaderTests
{
    private static TraceFormatException Rejects(string content, int line, params string[] reason) =>
        TraceAssert.Rejects(ReferenceJsonReader.Read, content, ".json", line, reason);

    private static Workload Reads(string content) => TraceAssert.Reads(ReferenceJsonReader.Read, content, ".json");

    /// <summary>The shape of the shipped file: pretty-printed, one key per line, records from line 3.</summary>
    private static string Data(params string[] records) =>
        "{\n  \"data\": [\n" + string.Join(",\n", records) + "\n  ]\n}\n";

    [Fact]
    public void Shipped_burstgpt_sample_has_8000_requests_starting_with_632_34()
    {
        var w = ReferenceJsonReader.Read(RepoPaths.Data("traces/burstgpt-8000.json"));

        Assert.Equal(8_000, w.Count);
        Assert.Equal(new Request(0, 632, 34, 34, 0.0), w[0]);
        TraceAssert.IdsAreInOrderAndArrivalsNeverDecrease(w);
        Assert.All(w.Requests, r => Assert.Equal(0.0, r.ArrivalSeconds));
    }

    [Fact]
    public void Other_keys_at_any_level_are_ignored()
    {
        var w = Reads("""
            {"dataset": "x", "statistics": {"data": 1, "nested": [1, {"a": null}]},
             "data": [{"input_length": 5, "extra": {"output_length": 999}, "output_length": 7, "tags": ["a"]},
                      {"output_length": 2, "input_length": 3}],
             "tail": true}
            """);

        Assert.Equal([new Request(0, 5, 7, 7), new Request(1, 3, 2, 2)], w.Requests);
    }

    [Fact]
    public void Reference_json_with_zero_output_names_record_and_line() =>
        Rejects(Data("""{"input_length": 5, "output_length": 7}""", """{"input_length": 5,""" + "\n" + """ "output_length": 0}"""),
            5, "record 1", "output_length 0", "positive");

    [Fact]
    public void Reference_json_with_negative_input_names_record_and_line() =>
        Rejects(Data("""{"input_length": -5, "output_length": 7}"""), 3, "record 0", "input_length -5", "positive");

    [Theory]
    [InlineData("1.5", "not an integer")]
    [InlineData("1e2", "not an integer")]
    [InlineData("3000000000", "out of range")]
    [InlineData("\"12\"", "must be an integer, found string")]
    [InlineData("null", "must be an integer, found null")]
    [InlineData("[1]", "must be an integer, found an array")]
    public void Reference_json_with_a_bad_number_names_record_and_line(string value, string reason) =>
        Rejects(Data("""{"input_length": 5, "output_length": 7}""", "{\"input_length\": 5,\n\"output_length\": " + value + "}"),
            5, "record 1", "output_length", reason);

    [Fact]
    public void Reference_json_record_missing_input_length_names_record_and_line() =>
        Rejects(Data("""{"input_length": 5, "output_length": 7}""", """{"output_length": 7}"""), 4, "record 1", "missing input_length");

    [Fact]
    public void Reference_json_record_missing_output_length_names_record_and_line() =>
        Rejects(Data("""{"input_length": 5}"""), 3, "record 0", "missing output_length");

    [Fact]
    public void Reference_json_record_that_is_not_an_object_names_record_and_line() =>
        Rejects(Data("""{"input_length": 5, "output_length": 7}""", "[5, 7]"), 4, "record 1", "expected an object");

    [Fact]
    public void Reference_json_without_data_is_an_error_naming_the_file() =>
        Rejects("""{"records": [{"input_length": 5, "output_length": 7}]}""", 0, "no \"data\" array");

    [Fact]
    public void Reference_json_whose_data_is_not_an_array_names_the_line() =>
        Rejects("{\n\"data\": {\"input_length\": 5}}", 2, "\"data\" must be an array");

    [Fact]
    public void Reference_json_with_data_twice_names_the_second() =>
        Rejects("{\"data\": [{\"input_length\": 5, \"output_length\": 7}],\n\"data\": []}", 2, "twice");

    [Fact]
    public void Reference_json_with_an_empty_data_array_is_an_error() =>
        Rejects("{\n  \"data\": []\n}", 2, "empty", "no records");

    [Fact]
    public void Reference_json_whose_top_level_is_an_array_is_an_error() =>
        Rejects("[{\"input_length\": 5, \"output_length\": 7}]", 1, "top level", "found an array");

    [Fact]
    public void Reference_json_with_a_syntax_error_names_the_line() =>
        Rejects(Data("""{"input_length": 5, "output_length": 7}""", """{"input_length": 5 "output_length": 7}"""), 4, "invalid JSON");

    [Fact]
    public void Truncated_reference_json_is_an_error() =>
        Rejects("{\n\"data\": [{\"input_length\": 5, \"output_length\": 7},\n", 3, "invalid JSON");

    [Fact]
    public void Reference_json_with_content_after_the_document_is_an_error() =>
        Rejects(Data("""{"input_length": 5, "output_length": 7}""") + "{\"data\": []}\n", 6, "invalid JSON");

    [Fact]
    public void Empty_reference_json_is_an_error_naming_the_file() =>
        Rejects(" \n", 0, "empty");
}
