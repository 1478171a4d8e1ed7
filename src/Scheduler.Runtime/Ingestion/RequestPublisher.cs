using System.Globalization;
using Scheduler.Core.Model;
using Scheduler.Runtime.Results;

namespace Scheduler.Runtime.Ingestion;

/// <summary>
/// <c>scheduler publish</c>: a workload's requests written to a sink (stdout, a file, a broker) as JSON request
/// lines, each at its recorded arrival time divided by the rate scale. Lines are flushed whenever the next request
/// is not due yet, so a reader sees each request when it is due, and at the end.
/// </summary>
public static class RequestPublisher
{
    private const int FlushEvery = 4096;

    /// <param name="progress">Told the number published so far, now and then.</param>
    public static async Task<long> PublishAsync(Workload workload, double rateScale, IResultSink sink, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        Sources.RateScale.Check(rateScale);
        var pacer = new ArrivalPacer(rateScale);
        long sent = 0;
        var dirty = false;
        foreach (var r in workload.Requests)
        {
            var wait = pacer.Wait(r.ArrivalSeconds);
            if (wait > TimeSpan.Zero)
            {
                if (dirty) await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
                dirty = false;
                progress?.Report(sent);
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
            sink.Write(RequestJson.Format(new ServiceRequest(r.Id.ToString(CultureInfo.InvariantCulture), r.PromptTokens, r.OutputTokens, r.PredictedOutputTokens)));
            dirty = true;
            sent++;
            // A trace sent faster than it can be flushed is flushed in pieces: memory stays bounded, progress moves.
            if (sent % FlushEvery == 0)
            {
                await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
                dirty = false;
                progress?.Report(sent);
            }
        }
        await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
        progress?.Report(sent);
        return sent;
    }
}
