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
public sealed class InlineDispatcher(MessageDispatcherConfigurator configurator) : MessageDispatcher(configurator)
{
    protected override void ExecuteTask(IRunnable run) => run.Run();

    protected override void Shutdown()
    {
    }
}
