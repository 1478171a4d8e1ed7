using System.Globalization;
using Akka;
using Akka.Streams.Dsl;
using Scheduler.Core.Model;

namespace Scheduler.Runtime.Ingestion.Sources;

/// <summary>
/// A workload already read and validated, replayed: request i is delivered parsed, with id "i". Positions <c>source:i+1</c>.
/// </summary>
public sealed class WorkloadRequestSource(Workload workload) : IRequestSource
{
    public Workload Workload { get; } = workload;
    public string Name => Workload.Source;
    public bool Redelivers => false;
    public RecordFraming Framing => RecordFraming.Lines;

    public Source<Delivery, NotUsed> Open()
    {
        var name = Workload.Source;
        return Source.From(Workload.Requests).Select(r => new Delivery("", $"{name}:{r.Id + 1}", NoAcknowledgement.Instance)
        {
            Request = new ServiceRequest(r.Id.ToString(CultureInfo.InvariantCulture), r.PromptTokens, r.OutputTokens,
                r.PredictedOutputTokens, r.ArrivalSeconds),
        });
    }
}

/// <summary>Rescaling replayed timestamps: divided by the scale (2 = twice the request rate).</summary>
public static class RateScale
{
    public static void Check(double rateScale)
    {
        if (!(rateScale > 0) || !double.IsFinite(rateScale))
            throw new ArgumentOutOfRangeException(nameof(rateScale), rateScale, "rate scale must be a positive finite number");
    }

    public static double Apply(double arrivalSeconds, double rateScale) => rateScale == 1.0 ? arrivalSeconds : arrivalSeconds / rateScale;
}
