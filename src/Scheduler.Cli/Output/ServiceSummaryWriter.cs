using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Scheduler.Service;

namespace Scheduler.Cli.Output;

/// <summary>A service's end as a table of figures, or one JSON object with the same keys.</summary>
public static class ServiceSummaryWriter
{
    /// <param name="WhenMeasured">Left out of the table when not measured (NaN), as the rank host figures on a cluster of
    /// one; JSON keeps the key (null), so its keys are the same on every service.</param>
    private sealed record Row(string Key, string Label, object? Value, string Format = "", bool WhenMeasured = false);

    public static void Write(TextWriter output, OutputFormat format, ServiceOutcome outcome, ServiceSettings settings, PosixSignal? signal)
    {
        var s = outcome.Summary;
        var ending = outcome.Ending switch
        {
            ServiceEnding.SourceEnded => "the source ended; every request has its result",
            ServiceEnding.Idle => $"idle for {settings.ExitWhenIdle?.TotalSeconds:0.#} s",
            ServiceEnding.Stopped => $"stopped by {signal?.ToString() ?? "a signal"}" + (outcome.Unfinished > 0 ? $", {outcome.Unfinished} unfinished given back" : ", drained"),
            _ => "failed",
        };
        var failures = string.Join(", ", s.FailureReasons.Where(r => r.Value > 0).Select(r => $"{r.Key} {r.Value:N0}"));
        Row[] rows =
        [
            new("ending", "ending", ending),
            new("source", "source", settings.Source),
            new("results", "results", settings.Results),
            new("ranks", "ranks × batch", $"{settings.Ranks} × {settings.Batch}"),
            new("policy", "policy", settings.Policy),
            new("wall_s", "wall time (s)", s.WallSeconds, "F2"),
            new("accepted", "requests accepted", s.Accepted, "N0"),
            new("completed", "completed", s.Completed, "N0"),
            new("failed", "failed", s.Failed, "N0"),
            new("failure_reasons", "failure reasons", failures.Length > 0 ? failures : "-"),
            new("rejected", "rejected (malformed)", s.Rejected, "N0"),
            new("duplicates", "duplicate deliveries", s.Duplicates, "N0"),
            new("steps", "steps", s.Steps, "N0"),
            new("steps_per_s", "steps per second", s.StepsPerSecond, "N0"),
            new("tokens", "tokens generated", s.GeneratedTokens, "N0"),
            new("throughput", "throughput (tok/s)", s.Throughput, "N0"),
            new("avg_imbalance", "avg imbalance (tokens)", s.AvgImbalance, "N0"),
            new("barrier_idle_fraction", "barrier idle fraction", s.BarrierIdleFraction, "F4"),
            new("queued_p50", "queued p50 (s)", s.QueuedP50, "F4"),
            new("queued_p99", "queued p99 (s)", s.QueuedP99, "F4"),
            new("ttft_p50", "TTFT p50 (s)", s.TtftP50, "F4"),
            new("ttft_p99", "TTFT p99 (s)", s.TtftP99, "F4"),
            new("e2e_mean", "end-to-end mean (s)", s.E2eMean, "F4"),
            new("e2e_p50", "end-to-end p50 (s)", s.E2eP50, "F4"),
            new("e2e_p99", "end-to-end p99 (s)", s.E2eP99, "F4"),
            new("step_ms_p50", "step wall time p50 (ms)", s.StepWallP50 * 1e3, "F3"),
            new("step_ms_p99", "step wall time p99 (ms)", s.StepWallP99 * 1e3, "F3"),
            new("host_round_trip_ms_p50", "rank host round trip p50 (ms)", s.HostRoundTripP50 * 1e3, "F3", WhenMeasured: true),
            new("host_round_trip_ms_p99", "rank host round trip p99 (ms)", s.HostRoundTripP99 * 1e3, "F3", WhenMeasured: true),
            new("host_held_ms_p50", "rank host's own share p50 (ms)", s.HostHeldP50 * 1e3, "F3", WhenMeasured: true),
            new("host_held_ms_p99", "rank host's own share p99 (ms)", s.HostHeldP99 * 1e3, "F3", WhenMeasured: true),
            new("decision_us_p50", "decision p50 (µs)", s.DecisionMicrosP50, "F1"),
            new("decision_us_p99", "decision p99 (µs)", s.DecisionMicrosP99, "F1"),
            new("metrics", "metrics served at", outcome.MetricsUrl ?? "-"),
            new("metrics_snapshot", "last metrics scrape", settings.MetricsSnapshot ?? "-"),
        ];
        if (format == OutputFormat.Json) WriteJson(output, rows);
        else WriteTable(output, rows);
    }

    private static void WriteTable(TextWriter output, Row[] rows)
    {
        rows = [.. rows.Where(r => !(r.WhenMeasured && r.Value is double d && !double.IsFinite(d)))];
        var width = rows.Max(r => r.Label.Length);
        var sb = new StringBuilder();
        foreach (var r in rows)
        {
            var cell = r.Value switch
            {
                double d when !double.IsFinite(d) => "-",
                double d => d.ToString(r.Format, CultureInfo.InvariantCulture),
                long l => l.ToString(r.Format, CultureInfo.InvariantCulture),
                int i => i.ToString(r.Format, CultureInfo.InvariantCulture),
                var o => Convert.ToString(o, CultureInfo.InvariantCulture) ?? "",
            };
            sb.Append(r.Label.PadRight(width)).Append("  ").AppendLine(cell);
        }
        output.Write(sb.ToString());
        output.Flush();
    }

    private static void WriteJson(TextWriter output, Row[] rows)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            foreach (var r in rows)
            {
                switch (r.Value)
                {
                    case double d when !double.IsFinite(d): json.WriteNull(r.Key); break;
                    case double d: json.WriteNumber(r.Key, d); break;
                    case long l: json.WriteNumber(r.Key, l); break;
                    case int i: json.WriteNumber(r.Key, i); break;
                    default: json.WriteString(r.Key, Convert.ToString(r.Value, CultureInfo.InvariantCulture)); break;
                }
            }
            json.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
        output.Flush();
    }
}
