using Akka;
using Akka.IO;
using Akka.Streams.Dsl;

namespace Scheduler.Runtime.Ingestion.Sources;

/// <summary>The deliveries of a byte stream read line by line: each line one record, its position <c>name:line</c>.</summary>
internal static class TextStreamSource
{
    public static Source<Delivery, NotUsed> Deliveries<TMat>(Source<ByteString, TMat> bytes, string positionPrefix, int maxLineBytes) =>
        bytes.MapMaterializedValue(_ => NotUsed.Instance)
            .Via(LineFraming.Lines(maxLineBytes))
            .Select(line => new Delivery(line.Text, $"{positionPrefix}:{line.Number}", NoAcknowledgement.Instance)
            {
                Defect = line.Cut ? $"the line is longer than {maxLineBytes:N0} bytes (cut)" : null,
            });
}
