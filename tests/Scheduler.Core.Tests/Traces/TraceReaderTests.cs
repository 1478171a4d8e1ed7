using Scheduler.Core.Traces;

namespace Scheduler.Core.Tests.Traces;

public sealed class TraceReaderTests
{
    [Theory]
    [InlineData("traces/azure-llm-2023-conv.csv", TraceFormat.AzureCsv, 19_366)]
    [InlineData("traces/burstgpt-8000.json", TraceFormat.ReferenceJson, 8_000)]
    [InlineData("fixtures/burst-n20000-seed42.requests.csv", TraceFormat.RequestCsv, 20_000)]
    public void Shipped_files_are_detected_and_read_without_naming_a_format(string relative, TraceFormat format, int count)
    {
        var path = RepoPaths.Data(relative);

        Assert.Equal(format, TraceReader.Detect(path));
        Assert.Equal(count, TraceReader.Read(path).Count);
    }

    [Fact]
    public void Jsonl_extension_is_read_as_mooncake()
    {
        using var file = new TempTrace("""{"timestamp": 0, "input_length": 3, "output_length": 4}""", ".JSONL");

        Assert.Equal(TraceFormat.MooncakeJsonl, TraceReader.Detect(file.Path));
        Assert.Equal(3, TraceReader.Read(file.Path)[0].PromptTokens);
    }

    [Fact]
    public void Csv_header_decides_between_azure_and_request_csv()
    {
        using var azure = new TempTrace("\nTIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,1,2\n", ".csv");
        using var requests = new TempTrace("id,prompt_tokens,output_tokens,predicted_output_tokens\n0,1,2,2\n", ".csv");

        Assert.Equal(TraceFormat.AzureCsv, TraceReader.Detect(azure.Path));
        Assert.Equal(TraceFormat.RequestCsv, TraceReader.Detect(requests.Path));
    }

    [Fact]
    public void A_named_format_overrides_the_extension()
    {
        using var file = new TempTrace("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,1,2\n", ".txt");

        var w = TraceReader.Read(file.Path, TraceFormat.AzureCsv);

        Assert.Equal(1, w.Count);
    }

    [Fact]
    public void A_named_format_that_does_not_fit_the_file_is_an_error_naming_file_and_line()
    {
        using var file = new TempTrace("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,1,2\n", ".csv");

        var e = Assert.Throws<TraceFormatException>(() => TraceReader.Read(file.Path, TraceFormat.RequestCsv));

        Assert.Equal(file.Path, e.File);
        Assert.Equal(1, e.Line);
        Assert.Contains("'id'", e.Reason);
    }

    [Theory]
    [InlineData(".txt")]
    [InlineData(".parquet")]
    [InlineData("")]
    public void Unknown_extension_is_an_unknown_format_error_naming_the_file(string extension)
    {
        using var file = new TempTrace("TIMESTAMP,ContextTokens,GeneratedTokens\n", extension);

        var e = Assert.Throws<TraceFormatException>(() => TraceReader.Read(file.Path));

        Assert.Equal(file.Path, e.File);
        Assert.Equal(0, e.Line);
        Assert.Contains("unknown format", e.Reason);
        Assert.Contains("azure, reference-json, mooncake, requests", e.Reason);
    }

    [Fact]
    public void Csv_with_an_unrecognised_header_is_an_unknown_format_error_naming_file_and_line()
    {
        using var file = new TempTrace("time,prompt,output\n1,2,3\n", ".csv");

        var e = Assert.Throws<TraceFormatException>(() => TraceReader.Read(file.Path));

        Assert.Equal(file.Path, e.File);
        Assert.Equal(1, e.Line);
        Assert.Contains("unknown format", e.Reason);
        Assert.Contains("time,prompt,output", e.Reason);
    }

    [Fact]
    public void Empty_csv_is_reported_as_empty_rather_than_unknown()
    {
        using var file = new TempTrace("", ".csv");

        var e = Assert.Throws<TraceFormatException>(() => TraceReader.Read(file.Path));

        Assert.Equal(file.Path, e.File);
        Assert.Contains("empty", e.Reason);
    }

    [Theory]
    [InlineData(".csv", null)]
    [InlineData(".txt", null)]
    [InlineData(".csv", TraceFormat.AzureCsv)]
    [InlineData(".json", TraceFormat.ReferenceJson)]
    [InlineData(".jsonl", TraceFormat.MooncakeJsonl)]
    [InlineData(".csv", TraceFormat.RequestCsv)]
    public void Missing_file_is_an_error_naming_the_file(string extension, TraceFormat? format)
    {
        var path = TempTrace.MissingPath(extension);

        var e = Assert.Throws<TraceFormatException>(() => TraceReader.Read(path, format));

        Assert.Equal(path, e.File);
        Assert.Equal(0, e.Line);
        Assert.Equal($"{path}: file not found", e.Message);
    }

    [Fact]
    public void A_directory_is_an_error_naming_it()
    {
        var dir = Path.GetTempPath();

        var e = Assert.Throws<TraceFormatException>(() => TraceReader.Read(dir, TraceFormat.AzureCsv));

        Assert.Equal(dir, e.File);
        Assert.Contains("directory", e.Reason);
    }

    [Theory]
    [InlineData("azure", TraceFormat.AzureCsv)]
    [InlineData("Reference-JSON", TraceFormat.ReferenceJson)]
    [InlineData("MOONCAKE", TraceFormat.MooncakeJsonl)]
    [InlineData(" requests ", TraceFormat.RequestCsv)]
    public void Format_names_parse_case_insensitively(string name, TraceFormat expected)
    {
        Assert.Equal(expected, TraceReader.Parse(name));
        Assert.Equal(name.Trim().ToLowerInvariant(), TraceReader.NameOf(expected));
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("")]
    [InlineData("azure-csv")]
    public void Unknown_format_name_lists_the_accepted_names(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => TraceReader.Parse(name));

        Assert.Equal($"unknown trace format '{name}'; expected one of: azure, reference-json, mooncake, requests", e.Message);
    }
}
