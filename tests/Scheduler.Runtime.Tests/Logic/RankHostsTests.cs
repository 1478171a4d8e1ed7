using Akka.Actor;
using Scheduler.Runtime.Logic;

namespace Scheduler.Runtime.Tests.Logic;

/// <summary>Where the barrier last heard each rank from, and how it groups a step's ticks by host.</summary>
public sealed class RankHostsTests
{
    private static readonly Address A = new("akka.tcp", "scheduler", "127.0.0.1", 4101);
    private static readonly Address B = new("akka.tcp", "scheduler", "127.0.0.1", 4102);
    private static readonly Func<Address, bool> EveryHostHasAnAgent = _ => true;

    private static RankHosts Known()
    {
        var hosts = RankHosts.Unknown(6);
        foreach (var (g, host) in new[] { (0, A), (1, B), (2, A), (3, B), (4, A) }) hosts = hosts.Heard(g, host);
        return hosts;
    }

    [Fact]
    public void Until_a_rank_has_answered_its_tick_goes_through_the_region()
    {
        var routes = RankHosts.Unknown(4).Route([0, 1, 2, 3], EveryHostHasAnAgent);

        Assert.Equal<int>([0, 1, 2, 3], routes.ThroughRegion);
        Assert.Empty(routes.ByHost);
    }

    [Fact]
    public void Once_hosts_are_known_ticks_are_grouped_one_message_per_host()
    {
        var routes = Known().Route([0, 1, 2, 3, 4, 5], EveryHostHasAnAgent);

        Assert.Equal<int>([5], routes.ThroughRegion);
        Assert.Equal(2, routes.ByHost.Length);
        Assert.Equal((A, B), (routes.ByHost[0].Host, routes.ByHost[1].Host));
        Assert.Equal<int>([0, 2, 4], routes.ByHost[0].Ranks);
        Assert.Equal<int>([1, 3], routes.ByHost[1].Ranks);
    }

    [Fact]
    public void A_host_without_a_known_agent_has_its_ranks_ticked_through_the_region()
    {
        var routes = Known().Route([0, 1, 2], host => host.Equals(B));

        Assert.Equal<int>([0, 2], routes.ThroughRegion);
        Assert.Equal(B, Assert.Single(routes.ByHost).Host);
    }

    [Fact]
    public void Forgotten_ranks_and_the_ranks_of_a_lost_host_go_through_the_region_until_they_answer_again()
    {
        var hosts = Known().Forget([1]).ForgetHost(A);

        Assert.Equal<int>([0, 1, 2, 4], hosts.Route([0, 1, 2, 3, 4], EveryHostHasAnAgent).ThroughRegion);
        Assert.Equal<int>([3], Assert.Single(hosts.Route([0, 1, 2, 3, 4], EveryHostHasAnAgent).ByHost).Ranks);
        // A rank re-created elsewhere is found where its next report comes from.
        Assert.Equal(B, hosts.Heard(0, B).HostOf(0));
    }

    [Fact]
    public void Hearing_what_is_already_known_changes_nothing()
    {
        var hosts = Known();

        Assert.Same(hosts, hosts.Heard(0, A));
        Assert.Same(hosts, hosts.Heard(5, null));
        Assert.Same(hosts, hosts.Forget([5]));
        Assert.Null(hosts.Heard(0, null).HostOf(0));
    }
}
