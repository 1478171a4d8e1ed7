using Scheduler.Runtime.Logic;

namespace Scheduler.Runtime.Tests;

public sealed class RecentlyFinishedTests
{
    [Fact]
    public void It_remembers_the_last_ids_up_to_its_capacity_and_forgets_the_oldest_first()
    {
        var finished = new RecentlyFinished(3);
        foreach (var id in new[] { "a", "b", "c", "b", "d" }) finished.Add(id);
        Assert.Equal(3, finished.Count);
        Assert.False(finished.Contains("a"));
        Assert.True(finished.Contains("b") && finished.Contains("c") && finished.Contains("d"));
    }

    [Fact]
    public void Capacity_zero_remembers_nothing()
    {
        var finished = new RecentlyFinished(0);
        finished.Add("a");
        Assert.False(finished.Contains("a"));
    }
}
