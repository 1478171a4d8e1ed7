using System.Collections.Immutable;
using Akka.Actor;

namespace Scheduler.Runtime.Logic;

/// <summary>
/// Where the barrier last heard each rank from: the address of the remote node its report came from, or null (not heard
/// from yet, heard from this node, or forgotten since). Only a report tells: sharding decides where ranks live, and a rank
/// whose host was lost comes back elsewhere, so a host forgotten at a member's removal or a step's timeout is learnt again
/// from the next report. Immutable; an update that changes nothing returns the same instance (the common case of a step).
/// </summary>
public sealed record RankHosts(ImmutableArray<Address?> Hosts)
{
    public static RankHosts Unknown(int ranks) => new(ImmutableArray.Create(new Address?[ranks]));

    public Address? HostOf(int rank) => (uint)rank < (uint)Hosts.Length ? Hosts[rank] : null;

    /// <summary>The rank answered from <paramref name="host"/> (null: from this node).</summary>
    public RankHosts Heard(int rank, Address? host) =>
        (uint)rank >= (uint)Hosts.Length || Equals(Hosts[rank], host) ? this : new(Hosts.SetItem(rank, host));

    /// <summary>These ranks may have moved: reach them through the region until they answer again.</summary>
    public RankHosts Forget(ImmutableArray<int> ranks)
    {
        ImmutableArray<Address?>.Builder? hosts = null;
        foreach (var g in ranks)
        {
            if ((uint)g >= (uint)Hosts.Length || Hosts[g] is null) continue;
            hosts ??= Hosts.ToBuilder();
            hosts[g] = null;
        }
        return hosts is null ? this : new(hosts.MoveToImmutable());
    }

    /// <summary>The node is gone: every rank heard from it may be anywhere now.</summary>
    public RankHosts ForgetHost(Address host)
    {
        ImmutableArray<Address?>.Builder? hosts = null;
        for (var g = 0; g < Hosts.Length; g++)
        {
            if (!host.Equals(Hosts[g])) continue;
            hosts ??= Hosts.ToBuilder();
            hosts[g] = null;
        }
        return hosts is null ? this : new(hosts.MoveToImmutable());
    }

    /// <summary>
    /// How to reach <paramref name="ranks"/> (none of them on this node): grouped by the host last heard from where that
    /// host has an agent to take a batch (<paramref name="hasAgent"/>), each group in the order given, hosts in order of
    /// first appearance; the rest, one by one through the region.
    /// </summary>
    public TickRoutes Route(ReadOnlySpan<int> ranks, Func<Address, bool> hasAgent)
    {
        var region = ImmutableArray.CreateBuilder<int>();
        var hosts = new List<(Address Host, ImmutableArray<int>.Builder Ranks)>(2);
        foreach (var g in ranks)
        {
            if (HostOf(g) is not { } host || !hasAgent(host))
            {
                region.Add(g);
                continue;
            }
            // A loop, not FindIndex with a lambda: that made a closure per rank and step (2 KB a step at G=32).
            var at = -1;
            for (var k = 0; k < hosts.Count && at < 0; k++)
                if (hosts[k].Host.Equals(host)) at = k;
            if (at < 0)
            {
                hosts.Add((host, ImmutableArray.CreateBuilder<int>()));
                at = hosts.Count - 1;
            }
            hosts[at].Ranks.Add(g);
        }
        var byHost = ImmutableArray.CreateBuilder<HostRanks>(hosts.Count);
        foreach (var (host, members) in hosts) byHost.Add(new HostRanks(host, members.ToImmutable()));
        return new TickRoutes(region.ToImmutable(), byHost.MoveToImmutable());
    }
}

/// <summary>How a step's ticks for remote ranks go out: <see cref="ThroughRegion"/> one by one, the others one message
/// per host.</summary>
public sealed record TickRoutes(ImmutableArray<int> ThroughRegion, ImmutableArray<HostRanks> ByHost);

/// <summary>Ranks last heard from one host, ticked together through its agent.</summary>
public sealed record HostRanks(Address Host, ImmutableArray<int> Ranks);
