using Akka.Actor;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Hosting;

/// <summary>Bridges the balancer's run protocol to the runner's task: progress to the caller's
/// <see cref="IProgress{T}"/>, the end (completed or failed) to the awaited task.</summary>
public sealed class RunMonitor(TaskCompletionSource<object> outcome, IProgress<RuntimeProgress>? progress) : UntypedActor
{
    public static Props Props(TaskCompletionSource<object> outcome, IProgress<RuntimeProgress>? progress) =>
        Akka.Actor.Props.Create(() => new RunMonitor(outcome, progress));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RuntimeProgress p:
                progress?.Report(p);
                break;
            case RunCompleted or RunFailed or ServiceFinished or Actors.IngressFault:
                outcome.TrySetResult(message);
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
