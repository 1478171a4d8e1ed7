using System.Diagnostics;
using Akka.Actor;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Observability;

namespace Scheduler.Service;

/// <summary>
/// Watches a running service until it ends or must stop: its end (the source ended, or a failure), a stop signal,
/// or idleness (nothing waiting or running and nothing unacknowledged) for the configured time. Meanwhile it keeps
/// the waiting-pool gauge current and prints a progress line every interval.
/// </summary>
internal sealed class ServiceWatch(SchedulerPipeline pipeline, ServiceMetrics metrics, ServiceStatistics statistics, TextWriter log,
    ServiceSettings settings, Stopwatch clock)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);
    private ServiceSummary _lastShown = new();
    private TimeSpan _lastShownAt;
    private TimeSpan _nextProgress = settings.ProgressInterval ?? TimeSpan.MaxValue;

    /// <summary>An ingress without the balancer: the balancer's end is not this node's (it serves other ingresses), so the
    /// node ends once its own source has ended and every request it delivered has its result.</summary>
    public bool EndsWithOwnSource { get; init; }

    public async Task<(ServiceEnding Ending, object? Ended)> RunAsync(Task<object> outcome, CancellationToken stop)
    {
        TimeSpan? idleSince = null;
        while (true)
        {
            if (stop.IsCancellationRequested) return (ServiceEnding.Stopped, null);
            var tick = Task.Delay(Poll, CancellationToken.None);
            var first = await Task.WhenAny(outcome, tick, Task.Delay(Timeout.Infinite, stop)).ConfigureAwait(false);
            if (first == outcome) return (outcome.Result is Runtime.Messages.ServiceFinished ? ServiceEnding.SourceEnded : ServiceEnding.Failed, outcome.Result);
            if (stop.IsCancellationRequested) return (ServiceEnding.Stopped, null);

            BalancerStatus balancer;
            IngressStatus ingress;
            try
            {
                balancer = await pipeline.Balancer.Ask<BalancerStatus>(GetBalancerStatus.Instance, AskTimeout).ConfigureAwait(false);
                ingress = await pipeline.Ingress.Ask<IngressStatus>(GetIngressStatus.Instance, AskTimeout).ConfigureAwait(false);
            }
            catch (AskTimeoutException)
            {
                // A busy balancer answers late; the next poll will see it.
                continue;
            }
            metrics.Waiting(balancer.Waiting);
            metrics.Unacknowledged(ingress.Unacknowledged);

            if (EndsWithOwnSource && ingress.SourceEnded && ingress.Unacknowledged == 0)
                return (ServiceEnding.SourceEnded, new Runtime.Messages.ServiceFinished(balancer.Step));

            var idle = balancer.Held == 0 && ingress.Unacknowledged == 0;
            idleSince = idle ? idleSince ?? clock.Elapsed : null;
            if (settings.ExitWhenIdle is { } limit && idleSince is { } since && clock.Elapsed - since >= limit)
            {
                log.WriteLine($"serve: idle for {limit.TotalSeconds:0.#} s, stopping");
                return (ServiceEnding.Idle, null);
            }
            if (settings.ProgressInterval is { } every && clock.Elapsed >= _nextProgress)
            {
                Progress(balancer, ingress);
                // On a fixed grid (10 s, 20 s, …), so lines do not drift by the polling delay.
                _nextProgress += every;
                if (_nextProgress <= clock.Elapsed) _nextProgress = clock.Elapsed + every;
            }
        }
    }

    /// <summary>One line: totals, what is in the service now, and rates over the last interval.</summary>
    private void Progress(BalancerStatus balancer, IngressStatus ingress)
    {
        var now = clock.Elapsed;
        var s = statistics.Snapshot(now.TotalSeconds);
        var span = (now - _lastShownAt).TotalSeconds;
        var steps = span > 0 ? (s.Steps - _lastShown.Steps) / span : 0;
        var completed = span > 0 ? (s.Completed - _lastShown.Completed) / span : 0;
        var tokens = span > 0 ? (s.GeneratedTokens - _lastShown.GeneratedTokens) / span : 0;
        log.WriteLine(
            $"serve {now.TotalSeconds,7:F1} s: accepted {s.Accepted:N0}, completed {s.Completed:N0}, failed {s.Failed:N0}, rejected {s.Rejected:N0}, " +
            $"duplicates {s.Duplicates:N0}; waiting {balancer.Waiting:N0}, decoding {balancer.Active:N0}, unacknowledged {ingress.Unacknowledged:N0}; " +
            $"{completed:N0} req/s, {steps:N0} steps/s, {tokens:N0} tok/s");
        _lastShown = s;
        _lastShownAt = now;
    }
}
