using Scheduler.Core.Policies.Production;

namespace Scheduler.Core.Tests.Production;

public class LoadSnapshotTests
{
    [Fact]
    public void With_no_lag_it_is_taken_again_on_every_call()
    {
        var cluster = TestCluster.WithPrompts(2, 4, 10);
        var snapshot = new LoadSnapshot(0);
        Assert.True(snapshot.RefreshIfStale(cluster.State));
        Assert.True(snapshot.RefreshIfStale(cluster.State));
    }

    [Fact]
    public void It_is_taken_again_once_the_clock_has_moved_by_the_lag()
    {
        var cluster = TestCluster.WithPrompts(2, 4, 10);
        var snapshot = new LoadSnapshot(0.5);
        Assert.True(snapshot.RefreshIfStale(cluster.State));
        cluster.Step(0.25);
        Assert.False(snapshot.RefreshIfStale(cluster.State));
        cluster.Step(0.25);
        Assert.True(snapshot.RefreshIfStale(cluster.State));
        Assert.Equal(0.5, snapshot.TakenAt);
    }

    [Fact]
    public void A_different_state_is_always_captured()
    {
        var first = TestCluster.WithPrompts(2, 4, 10);
        first.Step(1.0);
        var snapshot = new LoadSnapshot(10);
        snapshot.RefreshIfStale(first.State);
        Assert.True(snapshot.RefreshIfStale(TestCluster.WithPrompts(3, 4, 10).State));
    }

    [Fact]
    public void Kv_tokens_include_generated_tokens_and_prompt_tokens_do_not()
    {
        var cluster = TestCluster.WithPrompts(2, 4, 50, 70);
        cluster.Activate(0, 0);
        cluster.Step(times: 5);
        var snapshot = new LoadSnapshot(0);
        snapshot.Capture(cluster.State);
        Assert.Equal(2, snapshot.Running(0));
        Assert.Equal(50 + 70 + 2 * 5, snapshot.KvTokens(0));
        Assert.Equal(50 + 70, snapshot.PromptTokens(0));
        Assert.Equal(0, snapshot.KvTokens(1));
    }

    [Fact]
    public void Sent_requests_count_until_the_snapshot_is_taken_again()
    {
        var cluster = TestCluster.WithPrompts(2, 4, 10);
        var snapshot = new LoadSnapshot(1);
        snapshot.RefreshIfStale(cluster.State);
        snapshot.RecordSent(1, 30);
        snapshot.RecordSent(1, 20);
        Assert.Equal(2, snapshot.Waiting(1));
        Assert.Equal(2, snapshot.Requests(1));
        Assert.Equal(50, snapshot.KvTokens(1));
        Assert.Equal(50, snapshot.PromptTokens(1));

        cluster.Step(1.0);
        snapshot.RefreshIfStale(cluster.State);
        Assert.Equal(0, snapshot.Waiting(1));
        Assert.Equal(0, snapshot.KvTokens(1));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Negative_or_non_finite_staleness_is_rejected(double stale) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoadSnapshot(stale));
}
