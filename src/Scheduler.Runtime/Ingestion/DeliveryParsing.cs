using System.Globalization;
using Akka;
using Akka.Streams.Dsl;

namespace Scheduler.Runtime.Ingestion;

/// <summary>A delivery and what its record turned out to be.</summary>
public readonly record struct ParsedDelivery(Delivery Delivery, ParsedRecord Record);

/// <summary>The parsing stage of the ingestion graph: one parser per materialization, so a stream's header and
/// order checks never leak into another's.</summary>
public static class DeliveryParsing
{
    /// <param name="requireOrderedArrivals">Replay: a request whose arrival precedes the previous accepted one is rejected
    /// (the replay's virtual clock never goes back).</param>
    public static Flow<Delivery, ParsedDelivery, NotUsed> Parse(RecordFraming framing, bool requireOrderedArrivals) =>
        Flow.Create<Delivery>().StatefulSelectMany(() =>
        {
            var parser = framing == RecordFraming.Lines ? new RequestLineParser() : null;
            long lines = 0;
            var lastArrival = double.NegativeInfinity;
            return new Func<Delivery, IEnumerable<ParsedDelivery>>(delivery =>
            {
                lines++;
                ParsedRecord record;
                if (delivery.Defect is { } defect) record = new ParsedRecord.Rejected(defect);
                else if (delivery.Request is { } request) record = new ParsedRecord.Accepted(request);
                else if (parser is not null) record = parser.Parse(delivery.Text, lines);
                else record = string.IsNullOrWhiteSpace(delivery.Text) ? new ParsedRecord.Rejected("empty message") : RequestJson.Parse(delivery.Text);

                if (requireOrderedArrivals && record is ParsedRecord.Accepted { Request: var r })
                {
                    if (r.ArrivalSeconds < lastArrival)
                        record = new ParsedRecord.Rejected(
                            $"{RequestJson.ArrivalKey} {r.ArrivalSeconds.ToString(CultureInfo.InvariantCulture)} precedes the previous request's " +
                            $"{lastArrival.ToString(CultureInfo.InvariantCulture)}: timestamps must not decrease");
                    else lastArrival = r.ArrivalSeconds;
                }
                return [new ParsedDelivery(delivery, record)];
            });
        });
}
