namespace Scheduler.Brokers.Tests;

public sealed class BackoffTests
{
    [Fact]
    public void Delays_double_from_the_minimum_to_the_maximum_within_their_jitter_and_start_over_after_a_reset()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), new Random(3));
        double[] nominal = [100, 200, 400, 800, 1000, 1000];
        foreach (var ms in nominal) Assert.InRange(backoff.Next().TotalMilliseconds, 0.8 * ms, 1.2 * ms);
        Assert.Equal(nominal.Length, backoff.Attempts);
        backoff.Reset();
        Assert.InRange(backoff.Next().TotalMilliseconds, 80, 120);
    }
}
