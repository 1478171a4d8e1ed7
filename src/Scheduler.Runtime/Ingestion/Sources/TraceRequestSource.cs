using System.Globalization;
using Akka;
using Akka.Streams.Dsl;
using Scheduler.Core.Model;
using Scheduler.Core.Traces;

namespace Scheduler.Runtime.Ingestion.Sources;

/// <summary>
/// <c>trace:PATH[;count=N;seed=S;rate-scale=X;format=NAME]</c>: a trace in any format the project reads (sampled
/// with replacement to N requests when a count is given), delivered live at its timestamps divided by X (2 = twice
/// the recorded rate), measured from the first delivery. Ids are <c>i</c>, positions <c>PATH#i</c>. What
/// <c>scheduler publish</c> sends to a broker, in process.
/// </summary>
public sealed class TraceRequestSource(Workload workload, double rateScale, string name) : IRequestSource
{
    public const string Scheme = "trace";

    public Workload Workload { get; } = workload;
    public double RateScale { get; } = rateScale;
    public string Name => name;
    public bool Redelivers => false;
    public RecordFraming Framing => RecordFraming.Messages;

    public Source<Delivery, NotUsed> Open() =>
        Paced(Workload, RateScale).Select(r => new Delivery("", $"{Workload.Source}#{r.Id}", NoAcknowledgement.Instance) { Request = r });

    /// <summary>The workload's requests as the wire carries them, each released at its (rescaled) arrival time.</summary>
    public static Source<ServiceRequest, NotUsed> Paced(Workload workload, double rateScale)
    {
        Sources.RateScale.Check(rateScale);
        return Source.Lazily(() =>
        {
            // One pacer per materialization: the first request goes at once, the others at their offsets from it.
            var pacer = new ArrivalPacer(rateScale);
            return Source.From(workload.Requests).SelectAsync(1, async r =>
            {
                var wait = pacer.Wait(r.ArrivalSeconds);
                if (wait > TimeSpan.Zero) await Task.Delay(wait).ConfigureAwait(false);
                return new ServiceRequest(r.Id.ToString(CultureInfo.InvariantCulture), r.PromptTokens, r.OutputTokens, r.PredictedOutputTokens);
            });
        }).MapMaterializedValue(_ => NotUsed.Instance);
    }

    /// <summary>Parses the part after <c>trace:</c>; <paramref name="resolve"/> finds the file (a shipped trace by its data/ path).</summary>
    public static TraceRequestSource Parse(string parameters, Func<string, string> resolve)
    {
        var parts = parameters.Split(';', StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || parts[0].Length == 0) throw new ArgumentException("trace source: needs a path (trace:PATH[;count=N;seed=S;rate-scale=X])");
        var path = resolve(parts[0]);
        int? count = null;
        var seed = 42;
        var rateScale = 1.0;
        TraceFormat? format = null;
        foreach (var part in parts.Skip(1).Where(p => p.Length > 0))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"trace source: '{part}' is not key=value");
            var key = part[..eq].Trim().ToLowerInvariant();
            var value = part[(eq + 1)..].Trim();
            switch (key)
            {
                case "count":
                    count = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                        ? n : throw new ArgumentException($"trace source: count={value} is not a positive integer");
                    break;
                case "seed":
                    seed = int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s)
                        ? s : throw new ArgumentException($"trace source: seed={value} is not an integer");
                    break;
                case "rate-scale":
                    rateScale = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && x > 0 && double.IsFinite(x)
                        ? x : throw new ArgumentException($"trace source: rate-scale={value} is not a positive number");
                    break;
                case "format":
                    format = TraceReader.Parse(value);
                    break;
                default:
                    throw new ArgumentException($"trace source: unknown key '{key}' (known: count, seed, rate-scale, format)");
            }
        }
        var workload = TraceReader.Read(path, format);
        if (count is { } c) workload = TraceSampler.Sample(workload, c, seed);
        return new TraceRequestSource(workload, rateScale, $"{Scheme}:{parameters}");
    }
}
