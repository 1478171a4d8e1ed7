using Microsoft.Extensions.Time.Testing;
using Scheduler.Runtime.Engines;

namespace Scheduler.Runtime.Tests.Engines;

/// <summary>The real-time timeline of the cost-model engine: steps under a millisecond keep their pace on average, a
/// barrier step costs its slowest rank, a late timer is made up, and a pause is not followed by a burst.</summary>
public sealed class RealTimePacerTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void Steps_under_a_millisecond_add_up_on_the_timeline_until_a_whole_millisecond_is_due()
    {
        var clock = new FakeTimeProvider();
        var pacer = new RealTimePacer(1.0, clock);
        // Each step models 0.4 ms and the runtime answers at once: the due time runs ahead of the clock by 0.4 ms a step.
        Assert.Equal(TimeSpan.Zero, pacer.Next(1, 0.4e-3));
        Assert.Equal(TimeSpan.Zero, pacer.Next(2, 0.4e-3));
        Assert.Equal(Ms(1), pacer.Next(3, 0.4e-3)); // due at 1.2 ms: a whole millisecond to wait
        clock.Advance(Ms(1));
        Assert.Equal(TimeSpan.Zero, pacer.Next(4, 0.4e-3)); // due at 1.6 ms, 0.6 ms from now
        Assert.Equal(Ms(1), pacer.Next(5, 0.4e-3)); // due at 2.0 ms
    }

    [Fact]
    public void The_time_scale_multiplies_the_modelled_time()
    {
        var clock = new FakeTimeProvider();
        Assert.Equal(Ms(5), new RealTimePacer(0.5, clock).Next(1, 10e-3));
        Assert.Equal(Ms(20), new RealTimePacer(2.0, clock).Next(1, 10e-3));
    }

    [Fact]
    public void A_step_ends_with_its_slowest_rank_and_the_next_counts_from_there()
    {
        var clock = new FakeTimeProvider();
        var pacer = new RealTimePacer(1.0, clock);
        Assert.Equal(Ms(2), pacer.Next(1, 2e-3));
        Assert.Equal(Ms(5), pacer.Next(1, 5e-3));
        clock.Advance(Ms(5));
        // Step 2 starts when the slowest rank of step 1 was due (5 ms), so the rank that was fast then pays only its own 2 ms.
        Assert.Equal(Ms(2), pacer.Next(2, 2e-3));
        Assert.Equal(Ms(3), pacer.Next(2, 3e-3));
    }

    [Fact]
    public void A_timer_that_fired_late_is_made_up_by_the_next_step()
    {
        var clock = new FakeTimeProvider();
        var pacer = new RealTimePacer(1.0, clock);
        Assert.Equal(Ms(4), pacer.Next(1, 4e-3));
        clock.Advance(Ms(7)); // the 4 ms wait took 7
        Assert.Equal(Ms(1), pacer.Next(2, 4e-3)); // due at 8 ms on the timeline: 1 ms from now
    }

    [Fact]
    public void A_process_behind_by_more_than_the_lag_bound_starts_the_timeline_again_from_now()
    {
        var clock = new FakeTimeProvider();
        var pacer = new RealTimePacer(1.0, clock);
        Assert.Equal(Ms(4), pacer.Next(1, 4e-3));
        clock.Advance(Ms(4) + RealTimePacer.MaxLag + Ms(1)); // idle for a while
        Assert.Equal(Ms(4), pacer.Next(2, 4e-3)); // a whole step again, not a burst of catching up
    }

    [Fact]
    public void A_new_incarnation_that_numbers_its_steps_afresh_is_paced_too()
    {
        var clock = new FakeTimeProvider();
        var pacer = new RealTimePacer(1.0, clock);
        Assert.Equal(Ms(4), pacer.Next(900, 4e-3));
        clock.Advance(Ms(4));
        Assert.Equal(Ms(4), pacer.Next(1, 4e-3));
    }
}
