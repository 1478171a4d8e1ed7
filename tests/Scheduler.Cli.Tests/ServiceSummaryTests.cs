using System.Text.Json;
using Scheduler.Cli.Output;
using Scheduler.Runtime.Observability;
using Scheduler.Service;

namespace Scheduler.Cli.Tests;

/// <summary>serve's closing summary: a table for people, one JSON object with a fixed set of keys for scripts.</summary>
public sealed class ServiceSummaryTests
{
    private static readonly ServiceSettings Settings = new("stdin", "stdout", null, 4, 8, "bfio", "cost-model", 0, null, null,
        TimeSpan.FromSeconds(30), null, null);

    private static string Written(OutputFormat format, ServiceSummary summary)
    {
        var output = new StringWriter();
        ServiceSummaryWriter.Write(output, format, new ServiceOutcome(ServiceEnding.SourceEnded, 0, summary, 0, null, null), Settings, null);
        return output.ToString();
    }

    [Fact]
    public void Rank_host_figures_are_table_rows_only_when_measured_and_always_json_keys()
    {
        var oneNode = new ServiceSummary { Steps = 10, WallSeconds = 1, TtftP99 = double.NaN };
        var cluster = oneNode with { HostRoundTripP50 = 0.0005, HostRoundTripP99 = 0.002, HostHeldP50 = 0.00004, HostHeldP99 = 0.0001 };

        // A cluster of one has no remote rank host: no row of them, while every other figure keeps its row ("-" if unmeasured).
        var table = Written(OutputFormat.Table, oneNode).Split('\n');
        Assert.DoesNotContain(table, l => l.StartsWith("rank host", StringComparison.Ordinal));
        Assert.Contains(table, l => l.StartsWith("TTFT p99 (s)", StringComparison.Ordinal) && l.TrimEnd().EndsWith('-'));
        var measured = Written(OutputFormat.Table, cluster).Split('\n');
        Assert.Contains(measured, l => l.StartsWith("rank host round trip p50 (ms)", StringComparison.Ordinal) && l.TrimEnd().EndsWith("0.500", StringComparison.Ordinal));
        Assert.Contains(measured, l => l.StartsWith("rank host's own share p99 (ms)", StringComparison.Ordinal) && l.TrimEnd().EndsWith("0.100", StringComparison.Ordinal));

        var json = JsonDocument.Parse(Written(OutputFormat.Json, oneNode)).RootElement;
        Assert.Equal(JsonValueKind.Null, json.GetProperty("host_round_trip_ms_p50").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("host_held_ms_p99").ValueKind);
        var clusterJson = JsonDocument.Parse(Written(OutputFormat.Json, cluster)).RootElement;
        Assert.Equal(2.0, clusterJson.GetProperty("host_round_trip_ms_p99").GetDouble(), 9);
        Assert.Equal(0.04, clusterJson.GetProperty("host_held_ms_p50").GetDouble(), 9);
    }
}
