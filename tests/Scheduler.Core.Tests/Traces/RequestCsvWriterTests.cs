using Scheduler.Core.Model;
using Scheduler.Core.Traces;

namespace Scheduler.Core.Tests.Traces;

public sealed class RequestCsvWriterTests
{
    private static Workload RoundTrip(Workload w)
    {
        var text = new StringWriter();
        RequestCsvWriter.Write(w, text);
        using var file = new TempTrace(text.ToString(), ".csv");
        return TraceReader.Read(file.Path);
    }

    [Fact]
    public void Backlogged_workload_is_written_without_arrivals_in_the_fixture_format()
    {
        var w = new Workload([new Request(0, 213, 7, 7), new Request(1, 126, 38, 30)], "two");
        var text = new StringWriter();

        RequestCsvWriter.Write(w, text);

        Assert.Equal("id,prompt_tokens,output_tokens,predicted_output_tokens\n0,213,7,7\n1,126,38,30\n", text.ToString());
    }

    [Fact]
    public void Timed_workload_is_written_with_an_arrival_column()
    {
        var w = new Workload([new Request(0, 5, 6, 6, 0.0), new Request(1, 7, 8, 9, 0.1)], "two");
        var text = new StringWriter();

        RequestCsvWriter.Write(w, text);

        Assert.Equal("id,prompt_tokens,output_tokens,predicted_output_tokens,arrival_s\n0,5,6,6,0\n1,7,8,9,0.1\n", text.ToString());
    }

    [Fact]
    public void Shipped_fixture_is_rewritten_to_the_same_text_but_for_line_ends()
    {
        // The fixtures come from Python's csv module (CRLF); the writer uses '\n' on every platform.
        var path = RepoPaths.Data("fixtures/burst-n20000-seed42.requests.csv");
        var text = new StringWriter();

        RequestCsvWriter.Write(RequestCsvReader.Read(path), text);

        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n").TrimEnd('\n'), text.ToString().TrimEnd('\n'));
    }

    [Fact]
    public void Sampled_timed_workload_round_trips_exactly()
    {
        var azure = TraceReader.Read(RepoPaths.Data("traces/azure-llm-2023-conv.csv"));
        var w = TraceSampler.RescaleArrivals(TraceSampler.Sample(azure, 3_000, seed: 4), 3.0)
            .WithPredictions(r => r.OutputTokens / 2);

        Assert.Equal(w.Requests, RoundTrip(w).Requests);
    }

    [Fact]
    public void Reference_json_workload_round_trips_exactly()
    {
        var w = TraceReader.Read(RepoPaths.Data("traces/burstgpt-8000.json"));

        Assert.Equal(w.Requests, RoundTrip(w).Requests);
    }

    [Fact]
    public void Writing_to_a_path_reads_back_the_same_workload()
    {
        var w = new Workload([new Request(0, 1, 2, 3, 0.0), new Request(1, 4, 5, 6, 1e-7), new Request(2, 7, 8, 0, 3600.123456789)], "three");
        var path = TempTrace.MissingPath(".csv");
        try
        {
            RequestCsvWriter.Write(w, path);

            Assert.Equal(w.Requests, TraceReader.Read(path).Requests);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
