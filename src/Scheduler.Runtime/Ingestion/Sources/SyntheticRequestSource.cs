using System.Globalization;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace Scheduler.Runtime.Ingestion.Sources;

/// <summary>
/// <c>synthetic:count=N;rate=R[;seed=S;prompt=A-B;output=C-D]</c>, for soaks and demos: requests with prompt and
/// output lengths uniform in their ranges (ô = o), ids <c>s&lt;seed&gt;-&lt;i&gt;</c>, paced at R per second of wall
/// clock (R = 0 or absent: as fast as the service takes them). Without a count it never ends.
/// </summary>
public sealed class SyntheticRequestSource(SyntheticWorkload spec, long? count, double ratePerSecond) : IRequestSource
{
    public const string Scheme = "synthetic";

    public SyntheticWorkload Spec { get; } = spec;
    public long? Count { get; } = count;
    public double RatePerSecond { get; } = ratePerSecond;

    public string Name =>
        $"{Scheme}:{(Count is { } n ? $"count={n};" : "")}rate={RatePerSecond.ToString(CultureInfo.InvariantCulture)};seed={Spec.Seed};" +
        $"prompt={Spec.PromptMin}-{Spec.PromptMax};output={Spec.OutputMin}-{Spec.OutputMax}";

    public bool Redelivers => false;
    public RecordFraming Framing => RecordFraming.Messages;

    public Source<Delivery, NotUsed> Open()
    {
        var requests = Source.From(Generate()).Select(r => new Delivery("", $"{Scheme}:{r.Id}", NoAcknowledgement.Instance) { Request = r });
        if (RatePerSecond <= 0) return requests;
        // Paced by a token bucket holding a hundredth of a second's worth, so the rate holds over any second.
        var burst = (int)Math.Clamp(RatePerSecond / 100, 1, int.MaxValue);
        var perRequest = TimeSpan.FromTicks(Math.Max(1, (long)Math.Round(TimeSpan.TicksPerSecond / RatePerSecond)));
        return requests.Throttle(1, perRequest, burst, ThrottleMode.Shaping);
    }

    private IEnumerable<ServiceRequest> Generate()
    {
        var random = new Random(Spec.Seed);
        for (long i = 0; Count is not { } n || i < n; i++)
        {
            var prompt = random.Next(Spec.PromptMin, Spec.PromptMax + 1);
            var output = random.Next(Spec.OutputMin, Spec.OutputMax + 1);
            yield return new ServiceRequest(string.Create(CultureInfo.InvariantCulture, $"s{Spec.Seed}-{i}"), prompt, output, output);
        }
    }

    /// <summary>Parses the part after <c>synthetic:</c>; a bad or unknown key is an error naming it.</summary>
    public static SyntheticRequestSource Parse(string parameters)
    {
        long? count = null;
        var rate = 0.0;
        var spec = new SyntheticWorkload(1);
        foreach (var part in parameters.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"synthetic source: '{part}' is not key=value");
            var key = part[..eq].Trim().ToLowerInvariant();
            var value = part[(eq + 1)..].Trim();
            switch (key)
            {
                case "count":
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var c) || c <= 0)
                        throw new ArgumentException($"synthetic source: count={value} is not a positive integer");
                    count = c;
                    break;
                case "rate":
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out rate) || !(rate >= 0) || !double.IsFinite(rate))
                        throw new ArgumentException($"synthetic source: rate={value} is not a number ≥ 0 (requests per second)");
                    break;
                case "seed":
                    if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s))
                        throw new ArgumentException($"synthetic source: seed={value} is not an integer");
                    spec = spec with { Seed = s };
                    break;
                case "prompt":
                    var (pMin, pMax) = Range(key, value);
                    spec = spec with { PromptMin = pMin, PromptMax = pMax };
                    break;
                case "output":
                    var (oMin, oMax) = Range(key, value);
                    spec = spec with { OutputMin = oMin, OutputMax = oMax };
                    break;
                default:
                    throw new ArgumentException($"synthetic source: unknown key '{key}' (known: count, rate, seed, prompt, output)");
            }
        }
        return new SyntheticRequestSource(spec, count, rate);
    }

    private static (int Min, int Max) Range(string key, string value)
    {
        var dash = value.IndexOf('-');
        var ok = dash > 0
            ? int.TryParse(value[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var min) & int.TryParse(value[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var max)
            : (min = max = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var one) ? one : 0) > 0;
        if (!ok || min <= 0 || max < min) throw new ArgumentException($"synthetic source: {key}={value} is not a range MIN-MAX of positive integers");
        return (min, max);
    }
}
