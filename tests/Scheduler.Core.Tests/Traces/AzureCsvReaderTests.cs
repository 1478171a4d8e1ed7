using Scheduler.Core.Model;
using Scheduler.Core.Traces;

namespace Scheduler.Core.Tests.Traces;

/// <summary>The Azure CSV reader's behaviour; its speed (well under 100 ms for the shipped trace) is
/// bench/Scheduler.Benchmarks' TraceReadBenchmarks.</summary>
public sealed class AzureCsvReaderTests
{
    private const string Header = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
    private const string Row0 = "2023-11-16 18:15:46.6805900,374,44\n";

    private static TraceFormatException Rejects(string content, int line, params string[] reason) =>
        TraceAssert.Rejects(AzureCsvReader.Read, content, ".csv", line, reason);

    private static Workload Reads(string content) => TraceAssert.Reads(AzureCsvReader.Read, content, ".csv");

    [Fact]
    public void Shipped_azure_trace_has_19366_requests_starting_with_374_44_at_time_0()
    {
        var w = AzureCsvReader.Read(RepoPaths.Data("traces/azure-llm-2023-conv.csv"));

        Assert.Equal(19_366, w.Count);
        Assert.Equal(new Request(0, 374, 44, 44, 0.0), w[0]);
        TraceAssert.IdsAreInOrderAndArrivalsNeverDecrease(w);
        Assert.InRange(w[w.Count - 1].ArrivalSeconds, 3000, 3600);
        foreach (var r in w.Requests) Assert.Equal(r.OutputTokens, r.PredictedOutputTokens);
    }

    [Fact]
    public void Arrivals_are_seconds_since_the_first_record()
    {
        var w = Reads(Header +
            "2023-11-16 18:15:46.5,10,1\n" +
            "2023-11-16 18:15:47,20,2\n" +
            "2023-11-16 18:16:46.5000001,30,3\n");

        Assert.Equal([0.0, 0.5, 60.0000001], w.Requests.Select(r => r.ArrivalSeconds));
        Assert.Equal([10, 20, 30], w.Requests.Select(r => r.PromptTokens));
    }

    [Fact]
    public void Columns_are_found_by_name_in_any_order_and_extra_columns_are_ignored()
    {
        var w = Reads("GeneratedTokens,Service,TIMESTAMP,ContextTokens\n44,chat,2023-11-16 18:15:46.6805900,374\n");

        Assert.Equal(new Request(0, 374, 44, 44, 0.0), w[0]);
    }

    [Fact]
    public void Equal_timestamps_are_kept_in_file_order()
    {
        var w = Reads(Header + Row0 + "2023-11-16 18:15:46.6805900,5,6\n");

        Assert.Equal(2, w.Count);
        Assert.Equal(0.0, w[1].ArrivalSeconds);
    }

    [Fact]
    public void Crlf_line_ends_and_blank_lines_are_accepted()
    {
        var w = Reads("TIMESTAMP,ContextTokens,GeneratedTokens\r\n\r\n2023-11-16 18:15:46.6805900,374,44\r\n2023-11-16 18:15:47.6805900,1,2\r\n\r\n");

        Assert.Equal(2, w.Count);
        Assert.Equal(1.0, w[1].ArrivalSeconds, 9);
    }

    [Fact]
    public void Azure_csv_with_zero_output_names_file_and_line() =>
        Rejects(Header + Row0 + "2023-11-16 18:15:47.0000000,396,0\n", 3, "GeneratedTokens", "0", "positive");

    [Fact]
    public void Azure_csv_with_negative_prompt_names_file_and_line() =>
        Rejects(Header + Row0 + "2023-11-16 18:15:47.0000000,-3,10\n", 3, "ContextTokens", "-3", "positive");

    [Fact]
    public void Azure_csv_with_zero_prompt_names_file_and_line() =>
        Rejects(Header + "2023-11-16 18:15:47.0000000,0,10\n", 2, "ContextTokens", "positive");

    [Theory]
    [InlineData("12.5", "not an integer")]
    [InlineData("abc", "not an integer")]
    [InlineData("", "not an integer")]
    [InlineData("1e3", "not an integer")]
    [InlineData("99999999999", "out of range")]
    public void Azure_csv_with_a_bad_token_count_names_file_line_and_value(string value, string reason) =>
        Rejects(Header + Row0 + Row0 + $"2023-11-16 18:15:48.0,{value},5\n", 4, "ContextTokens", $"'{value}'", reason);

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2023/11/16 18:15:46.6805900")]
    [InlineData("2023-11-16T18:15:46.6805900")]
    [InlineData("2023-11-16 18:15:46.68059001")]
    [InlineData("2023-11-16 25:15:46")]
    public void Azure_csv_with_a_bad_timestamp_names_file_line_and_value(string stamp) =>
        Rejects(Header + Row0 + $"{stamp},5,5\n", 3, "TIMESTAMP", stamp);

    [Fact]
    public void Azure_csv_with_decreasing_timestamps_names_file_and_line() =>
        Rejects(Header + Row0 + "2023-11-16 18:15:50.0,1,1\n" + "2023-11-16 18:15:49.9,1,1\n", 4, "earlier", "must not decrease");

    [Fact]
    public void Azure_csv_without_a_generated_tokens_column_names_the_header_line() =>
        Rejects("TIMESTAMP,ContextTokens\n2023-11-16 18:15:46.6805900,374\n", 1, "GeneratedTokens", "header");

    [Fact]
    public void Azure_csv_without_a_timestamp_column_names_the_header_line() =>
        Rejects("Time,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n", 1, "TIMESTAMP");

    [Fact]
    public void Azure_csv_with_a_column_named_twice_names_the_header_line() =>
        Rejects("TIMESTAMP,ContextTokens,GeneratedTokens,ContextTokens\n", 1, "ContextTokens", "twice");

    [Fact]
    public void Azure_csv_row_with_too_few_fields_names_file_and_line() =>
        Rejects(Header + Row0 + "2023-11-16 18:15:47.0000000,396\n", 3, "too few fields", "expected 3", "found 2");

    [Fact]
    public void Azure_csv_row_with_too_many_fields_names_file_and_line() =>
        Rejects(Header + Row0 + "2023-11-16 18:15:47.0000000,396,5,7\n", 3, "too many fields", "found 4");

    [Fact]
    public void Empty_azure_csv_is_an_error_naming_the_file() =>
        Rejects("", 0, "empty");

    [Fact]
    public void Header_only_azure_csv_is_an_error_naming_the_file() =>
        Rejects(Header + "\n", 0, "no records");

    [Fact]
    public void Missing_azure_csv_is_an_error_naming_the_file()
    {
        var path = TempTrace.MissingPath(".csv");
        var e = Assert.Throws<TraceFormatException>(() => AzureCsvReader.Read(path));
        Assert.Equal(path, e.File);
        Assert.Equal(0, e.Line);
        Assert.Contains("not found", e.Reason);
    }
}
