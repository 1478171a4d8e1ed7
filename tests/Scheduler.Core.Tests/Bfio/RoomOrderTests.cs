using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>The greedy fill's turn order names the rank a full scan would: most free slots, then least weighted load,
/// then lowest index, and none once every rank is full.</summary>
public sealed class RoomOrderTests
{
    private static int Scan(int[] free, double[] weighted)
    {
        var best = -1;
        for (var g = 0; g < free.Length; g++)
        {
            if (free[g] == 0) continue;
            if (best < 0 || free[g] > free[best] || (free[g] == free[best] && weighted[g] < weighted[best])) best = g;
        }
        return best;
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 1)]
    [InlineData(7, 4)]
    [InlineData(32, 72)]
    [InlineData(128, 4)]
    public void The_top_is_the_rank_a_scan_picks_until_every_slot_is_taken(int ranks, int maxFree)
    {
        var random = new Random(ranks * 1000 + maxFree);
        var free = new int[ranks];
        var weighted = new double[ranks];
        for (var g = 0; g < ranks; g++)
        {
            free[g] = random.Next(maxFree + 1);
            // Few distinct loads, so ties on free slots and load are common and the index decides.
            weighted[g] = random.Next(4) * 100.0;
        }
        var order = new RoomOrder();
        order.Build(free, weighted, ranks);
        var taken = 0;
        var slots = free.Sum();
        while (true)
        {
            var expected = Scan(free, weighted);
            Assert.Equal(expected, order.Top);
            if (expected < 0) break;
            free[expected]--;
            weighted[expected] += random.Next(3) * 50.0;
            order.TopTook();
            taken++;
        }
        Assert.Equal(slots, taken);
    }
}
