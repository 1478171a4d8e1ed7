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
}
