using Scheduler.Core.Model;
using Scheduler.Core.Traces;

namespace Scheduler.Core.Tests.Traces;

public sealed class RequestCsvReaderTests
{
    private const string Header = "id,prompt_tokens,output_tokens,predicted_output_tokens\n";
    private const string TimedHeader = "id,prompt_tokens,output_tokens,predicted_output_tokens,arrival_s\n";

    private static TraceFormatException Rejects(string content, int line, params string[] reason) =>
        TraceAssert.Rejects(RequestCsvReader.Read, content, ".csv", line, reason);

    private static Workload Reads(string content) => TraceAssert.Reads(RequestCsvReader.Read, content, ".csv");

    [Fact]
    public void Shipped_fixture_has_20000_requests_and_row_0_is_213_7_7()
    {
        var w = RequestCsvReader.Read(RepoPaths.Data("fixtures/burst-n20000-seed42.requests.csv"));

        Assert.Equal(20_000, w.Count);
        Assert.Equal(new Request(0, 213, 7, 7, 0.0), w[0]);
        TraceAssert.IdsAreInOrderAndArrivalsNeverDecrease(w);
        Assert.All(w.Requests, r => Assert.Equal(0.0, r.ArrivalSeconds));
    }

    [Fact]
    public void Predicted_output_is_taken_from_the_file_not_the_oracle()
    {
        var w = Reads(Header + "0,10,20,5\n1,11,21,0\n");

        Assert.Equal(new Request(0, 10, 20, 5), w[0]);
        Assert.Equal(new Request(1, 11, 21, 0), w[1]);
    }

    [Fact]
    public void Arrival_column_is_read_when_present()
    {
        var w = Reads(TimedHeader + "0,10,20,20,0\n1,11,21,21,0.25\n2,12,22,22,1.5e1\n");

        Assert.Equal([0.0, 0.25, 15.0], w.Requests.Select(r => r.ArrivalSeconds));
    }

    [Fact]
    public void Columns_are_found_by_name_in_any_order()
    {
        var w = Reads("prompt_tokens,id,arrival_s,predicted_output_tokens,output_tokens\n10,0,2.5,3,4\n");

        Assert.Equal(new Request(0, 10, 4, 3, 2.5), w[0]);
    }

    [Theory]
    [InlineData("1", "expected 0")]
    [InlineData("-1", "expected 0")]
    public void Request_csv_whose_first_id_is_not_0_names_file_and_line(string id, string reason) =>
        Rejects(Header + $"{id},10,20,20\n", 2, "id", "out of order", reason);

    [Fact]
    public void Request_csv_with_a_skipped_id_names_file_and_line() =>
        Rejects(Header + "0,10,20,20\n1,10,20,20\n3,10,20,20\n", 4, "id 3", "expected 2");

    [Fact]
    public void Request_csv_with_a_repeated_id_names_file_and_line() =>
        Rejects(Header + "0,10,20,20\n0,10,20,20\n", 3, "id 0", "expected 1");

    [Fact]
    public void Request_csv_with_zero_prompt_names_file_and_line() =>
        Rejects(Header + "0,10,20,20\n1,0,20,20\n", 3, "prompt_tokens", "positive");

    [Fact]
    public void Request_csv_with_zero_output_names_file_and_line() =>
        Rejects(Header + "0,10,0,0\n", 2, "output_tokens 0", "positive");

    [Fact]
    public void Request_csv_with_negative_output_names_file_and_line() =>
        Rejects(Header + "0,10,-4,0\n", 2, "output_tokens -4", "positive");

    [Fact]
    public void Request_csv_with_negative_predicted_output_names_file_and_line() =>
        Rejects(Header + "0,10,20,20\n1,10,20,-1\n", 3, "predicted_output_tokens -1", "negative");

    [Theory]
    [InlineData("id", "x,10,20,20", "not an integer")]
    [InlineData("prompt_tokens", "0,10.0,20,20", "not an integer")]
    [InlineData("output_tokens", "0,10,2147483648,20", "out of range")]
    [InlineData("predicted_output_tokens", "0,10,20,twenty", "not an integer")]
    [InlineData("prompt_tokens", "0,,20,20", "not an integer")]
    [InlineData("prompt_tokens", "0,\"10\",20,20", "not an integer")]
    public void Request_csv_with_a_bad_number_names_file_line_and_column(string column, string row, string reason) =>
        Rejects(Header + row + "\n", 2, column, reason);

    [Theory]
    [InlineData("abc", "not a number")]
    [InlineData("NaN", "not a number")]
    [InlineData("-1", "negative")]
    public void Request_csv_with_a_bad_arrival_names_file_and_line(string arrival, string reason) =>
        Rejects(TimedHeader + "0,10,20,20,0\n" + $"1,10,20,20,{arrival}\n", 3, "arrival_s", reason);

    [Fact]
    public void Request_csv_with_decreasing_arrivals_names_file_and_line() =>
        Rejects(TimedHeader + "0,10,20,20,1.0\n1,10,20,20,2.0\n2,10,20,20,1.5\n", 4, "arrival_s 1.5", "must not decrease");

    [Theory]
    [InlineData("id,prompt_tokens,output_tokens\n", "predicted_output_tokens")]
    [InlineData("prompt_tokens,output_tokens,predicted_output_tokens\n", "'id'")]
    [InlineData("id,prompt,output_tokens,predicted_output_tokens\n", "prompt_tokens")]
    public void Request_csv_missing_a_column_names_the_header_line(string header, string column) =>
        Rejects(header + "0,10,20\n", 1, column, "header");

    [Fact]
    public void Request_csv_row_with_too_few_fields_names_file_and_line() =>
        Rejects(Header + "0,10,20,20\n1,10,20\n", 3, "too few fields", "found 3");

    [Fact]
    public void Request_csv_row_with_a_missing_arrival_names_file_and_line() =>
        Rejects(TimedHeader + "0,10,20,20,0\n1,10,20,20\n", 3, "too few fields", "expected 5");

    [Fact]
    public void Empty_request_csv_is_an_error_naming_the_file() =>
        Rejects("\n\n", 0, "empty");

    [Fact]
    public void Header_only_request_csv_is_an_error_naming_the_file() =>
        Rejects(Header, 0, "no records");
}
