using System.Text;
using Akka;
using Akka.IO;
using Akka.Streams.Dsl;
using Akka.Streams.IO;
using Scheduler.Core.Model;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Ingestion;

/// <summary>The request sources of the ingestion graph.</summary>
public static class RequestSources
{
    /// <summary>
    /// A workload's requests in id order. Whether they are a backlog or timed arrivals is the balancer's
    /// arrival mode, not the source's: in timed mode requests travel ahead of the virtual clock and the
    /// balancer shows each to the policy only once the clock reaches its arrival.
    /// <paramref name="rateScale"/> &gt; 1 compresses the timestamps (a higher load), &lt; 1 stretches them.
    /// </summary>
    public static Source<IngestedRequest, NotUsed> FromWorkload(Workload workload, double rateScale = 1.0)
    {
        CheckRateScale(rateScale);
        return Source.From(workload.Requests).Select(r => new IngestedRequest(Scale(r, rateScale), r.Id, r.Id + 1L));
    }

    /// <summary>The seeded synthetic generator.</summary>
    public static Source<IngestedRequest, NotUsed> Synthetic(SyntheticWorkload spec) =>
        Source.From(spec.Generate()).Select(r => new IngestedRequest(r, r.Id, r.Id + 1L));

    /// <summary>The text lines of a file, read as a stream (the file is never loaded whole).</summary>
    public static Source<string, Task<IOResult>> LinesOfFile(string path, int maximumLineBytes = 64 * 1024) =>
        FileIO.FromFile(new FileInfo(path))
            .Via(Framing.Delimiter(ByteString.FromString("\n"), maximumLineBytes, allowTruncation: true))
            .Select(bytes => bytes.ToString(Encoding.UTF8).TrimEnd('\r'));

    /// <summary>Lines already in memory (tests, small inputs).</summary>
    public static Source<string, NotUsed> Lines(IEnumerable<string> lines) => Source.From(lines);

    internal static void CheckRateScale(double rateScale)
    {
        if (!(rateScale > 0) || !double.IsFinite(rateScale))
            throw new ArgumentOutOfRangeException(nameof(rateScale), rateScale, "rate scale must be a positive finite number");
    }

    internal static Request Scale(in Request r, double rateScale) =>
        rateScale == 1.0 ? r : r with { ArrivalSeconds = r.ArrivalSeconds / rateScale };
}
