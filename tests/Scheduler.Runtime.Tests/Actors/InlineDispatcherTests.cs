using Akka.Actor;
using Akka.TestKit.Xunit2;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Actors;

/// <summary>The inline dispatcher (rank entities, Akka.Remote's own actors): an actor on it works through a long mailbox on
/// the sender's thread without sinking deeper into the stack.</summary>
public sealed class InlineDispatcherTests : TestKit
{
    public InlineDispatcherTests() : base(TestConfig.Local()) { }

    /// <summary>Sends itself <c>count</c> messages while handling the count (its mailbox is running, so they queue), then
    /// reports the stack depth it handles the last one at, and that stack: its mailbox re-registers itself after every
    /// throughput's worth of messages.</summary>
    private sealed class SelfFlood(IActorRef report) : UntypedActor
    {
        private int _count;
        private int _seen;

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case int count:
                    _count = count;
                    report.Tell(new System.Diagnostics.StackTrace().FrameCount);
                    for (var i = 0; i < count; i++) Self.Tell("tick");
                    break;
                case "tick" when ++_seen == _count:
                    var stack = new System.Diagnostics.StackTrace();
                    report.Tell(stack.FrameCount);
                    report.Tell(stack.ToString()); // read only if the depth grew: where it ran
                    break;
            }
        }
    }

    [Fact]
    public async Task An_inline_actor_works_through_a_long_mailbox_at_the_depth_it_started_at()
    {
        // Akka.Remote's actors run on this dispatcher, and a busy link queues thousands of messages: were each turn of
        // the mailbox to run the next one a level deeper, a long enough backlog would end past the thread's stack.
        var flood = Sys.ActorOf(Props.Create(() => new SelfFlood(TestActor)).WithDispatcher("scheduler-inline-dispatcher"));
        // Started first, and idle when the count arrives from this thread: the count's turn then runs inline right here, and
        // each later turn is asked for at the end of the one before. (Sent before the actor has started, the count is
        // replayed from the actor's start instead, which hid the nesting: the test passed or failed by that race.)
        await flood.Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(30));
        flood.Tell(100_000);
        var first = await ExpectMsgAsync<int>(TimeSpan.FromSeconds(30));
        var last = await ExpectMsgAsync<int>(TimeSpan.FromSeconds(30));
        var stack = await ExpectMsgAsync<string>(TimeSpan.FromSeconds(30));
        Assert.True(last >= 1 && last <= first + 20, $"{last} frames deep at the last message, {first} at the first; the last one's stack:\n{stack}");
    }
    /// <summary>Forwards what it gets to <c>next</c>, then reports that its handler returned.</summary>
    private sealed class Relay(IActorRef next, IActorRef report) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            next.Tell(message);
            report.Tell("relay returned");
        }
    }

    private sealed class Echo(IActorRef report) : UntypedActor
    {
        protected override void OnReceive(object message) => report.Tell($"echo got {message}");
    }

    [Fact]
    public async Task A_send_to_another_idle_inline_actor_runs_it_at_once_inside_the_senders_handler()
    {
        // What the rank entities rely on for a step without thread hand-offs: only a mailbox's own next turn waits for
        // its current one to return; another actor's turn still starts in the sender's call.
        var echo = Sys.ActorOf(Props.Create(() => new Echo(TestActor)).WithDispatcher("scheduler-inline-dispatcher"));
        var relay = Sys.ActorOf(Props.Create(() => new Relay(echo, TestActor)).WithDispatcher("scheduler-inline-dispatcher"));
        await echo.Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(30));
        await relay.Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(30));
        relay.Tell("hello");
        Assert.Equal("echo got hello", await ExpectMsgAsync<string>(TimeSpan.FromSeconds(30)));
        Assert.Equal("relay returned", await ExpectMsgAsync<string>(TimeSpan.FromSeconds(30)));
    }
}
