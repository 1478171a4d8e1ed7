using Akka.Configuration;
using Akka.Dispatch;

namespace Scheduler.Runtime.Actors;

/// <summary>
/// Runs an actor's mailbox on the thread that sends to it, instead of scheduling it on the thread pool. For rank
/// entities whose engine answers a step at once (the cost-model engine): a tick then costs a method call, not a
/// thread-pool hop, which is what lets a step of 32 ranks take tens of microseconds. Akka.Remote's own actors run on it
/// too (<c>akka.remote.use-dispatcher</c>): a message read from the network is delivered on the transport's thread, and
/// one sent is handed to the transport on the sender's. The mailbox still processes one message at a time (a sender
/// that finds it running only enqueues, and the running one works through them), and an engine that computes for a
/// while (torch) hands its step to the thread pool and pipes the result back, so no sender is held up by a real decode.
/// Selected with <c>type = "Scheduler.Runtime.Actors.InlineDispatcherConfigurator, Scheduler.Runtime"</c>.
/// </summary>
public sealed class InlineDispatcherConfigurator(Config config, IDispatcherPrerequisites prerequisites)
    : MessageDispatcherConfigurator(config, prerequisites)
{
    // One dispatcher per configuration, as Akka's own configurators keep theirs.
    private InlineDispatcher? _instance;

    public override MessageDispatcher Dispatcher() => _instance ??= new InlineDispatcher(this);
}

/// <summary>See <see cref="InlineDispatcherConfigurator"/>.</summary>
/// <remarks>
/// A mailbox runs <c>throughput</c> messages a turn, and at the end of each turn (the last thing its run does) it asks its
/// dispatcher to run it again if messages remain. Run inline, that next turn would start inside the one ending, a few
/// frames deeper each time: an actor that was idle when a long burst reached it (100,000 messages: about 3,000 frames)
/// would work through it ever deeper in the sender's stack, and a long enough burst would overflow it. So a run asked for
/// while that same run is on this thread's stack is noted, not started, and runs again as soon as the current one returns,
/// at the same depth. Nothing else happens in between (the request was the end of the turn), so every message is handled
/// in the same order, on the same thread, as before. A run of another actor still starts at once (one level per actor in
/// a chain of inline sends, never per turn).
/// </remarks>
public sealed class InlineDispatcher(MessageDispatcherConfigurator configurator) : MessageDispatcher(configurator)
{
    /// <summary>The runs on this thread's stack, innermost last, each with whether it asked to run again.</summary>
    [ThreadStatic] private static List<(IRunnable Run, bool Again)>? _running;

    protected override void ExecuteTask(IRunnable run)
    {
        var running = _running ??= [];
        for (var k = running.Count - 1; k >= 0; k--)
        {
            if (!ReferenceEquals(running[k].Run, run)) continue;
            running[k] = (run, true);
            return;
        }
        running.Add((run, false));
        var at = running.Count - 1;
        try
        {
            run.Run();
        }
        finally
        {
            try
            {
                // Also after a failure, as the nested run would have been started from the failed run's own cleanup.
                while (running[at].Again)
                {
                    running[at] = (run, false);
                    run.Run();
                }
            }
            finally
            {
                running.RemoveAt(at);
            }
        }
    }

    protected override void Shutdown()
    {
    }
}
