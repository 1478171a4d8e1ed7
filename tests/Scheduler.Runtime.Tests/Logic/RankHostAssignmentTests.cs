using Scheduler.Runtime.Logic;

namespace Scheduler.Runtime.Tests.Logic;

/// <summary>Where each rank lives: blocks of the declared sizes in address order; a re-created rank on the roomiest
/// host; with no room anywhere, beside the fewest ranks.</summary>
public sealed class RankHostAssignmentTests
{
    private static int[] PlaceAll(int ranks, params int[] declared)
    {
        var held = new int[declared.Length];
        var placed = new int[ranks];
        foreach (var rank in Enumerable.Range(0, ranks).OrderBy(r => (r * 7) % ranks)) // the order ranks are first asked for does not matter
        {
            var loads = declared.Select((d, i) => new RankHostLoad(d, held[i])).ToArray();
            placed[rank] = RankHostAssignment.Choose(rank, loads);
            held[placed[rank]]++;
        }
        return placed;
    }

    [Fact]
    public void Hosts_in_address_order_own_consecutive_blocks_of_the_ranks_they_declared()
    {
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1], PlaceAll(8, 4, 4));
        Assert.Equal([0, 0, 1, 1, 1, 1, 1, 1], PlaceAll(8, 2, 6));
        // A spare host (declared beyond G) gets nothing while the others have room.
        Assert.Equal([0, 0, 0, 1, 1, 1], PlaceAll(6, 3, 3, 3));
    }

    [Fact]
    public void A_rank_whose_block_host_is_gone_goes_to_the_host_with_the_most_declared_room()
    {
        // Ranks 4–7's host was lost; the remaining hosts: the first full with 0–3, a spare with room for 4.
        var loads = new[] { new RankHostLoad(4, 4), new RankHostLoad(4, 1) };
        Assert.Equal(1, RankHostAssignment.Choose(5, loads));
    }

    [Fact]
    public void With_no_room_anywhere_the_rank_doubles_up_on_the_host_holding_the_fewest()
    {
        var loads = new[] { new RankHostLoad(4, 6), new RankHostLoad(4, 5), new RankHostLoad(2, 7) };
        Assert.Equal(1, RankHostAssignment.Choose(3, loads));
        Assert.Equal(-1, RankHostAssignment.Choose(0, []));
    }

    [Fact]
    public void Hosts_that_declare_nothing_share_the_ranks_evenly()
    {
        var placed = PlaceAll(9, 0, 0, 0);
        Assert.All(Enumerable.Range(0, 3), h => Assert.Equal(3, placed.Count(p => p == h)));
    }
}
