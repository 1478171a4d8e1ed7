using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>The solver's per-row top three stay what a full scan would find, whatever sequence of changes they see.</summary>
public sealed class RowLeadersTests
{
    private static void AssertMatchesScan(RowLeaders leaders, double[] loads, int ranks, int rows)
    {
        for (var h = 0; h < rows; h++)
        {
            var expected = Enumerable.Range(0, ranks).Select(g => loads[g * rows + h]).OrderDescending()
                .Concat(Enumerable.Repeat(double.NegativeInfinity, 3)).Take(3).ToArray();
            for (var k = 0; k < 3; k++)
            {
                Assert.Equal(expected[k], leaders.Load(h, k));
                if (leaders.Rank(h, k) >= 0) Assert.Equal(leaders.Load(h, k), loads[leaders.Rank(h, k) * rows + h]);
            }
        }
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 1)]
    [InlineData(7, 5)]
    [InlineData(32, 6)]
    public void Refreshes_after_admissions_and_exchanges_keep_every_rows_three_largest_loads(int ranks, int rows)
    {
        var random = new Random(ranks * 100 + rows);
        var loads = new double[ranks * rows];
        for (var i = 0; i < loads.Length; i++) loads[i] = random.Next(1000);
        var leaders = new RowLeaders();
        leaders.Reset(ranks, rows);
        leaders.Rebuild(loads);
        AssertMatchesScan(leaders, loads, ranks, rows);

        for (var step = 0; step < 500; step++)
        {
            var a = random.Next(ranks);
            if (random.Next(2) == 0)
            {
                // An admission: rank a only gains.
                for (var h = 0; h < rows; h++) loads[a * rows + h] += random.Next(300);
                leaders.Refresh(loads, a, -1);
            }
            else
            {
                // An exchange: a and b change either way.
                var b = ranks > 1 ? (a + 1 + random.Next(ranks - 1)) % ranks : -1;
                for (var h = 0; h < rows; h++)
                {
                    loads[a * rows + h] = random.Next(1500);
                    if (b >= 0) loads[b * rows + h] = random.Next(1500);
                }
                leaders.Refresh(loads, a, b);
            }
            AssertMatchesScan(leaders, loads, ranks, rows);
        }
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(8, 6)]
    [InlineData(32, 6)]
    public void Small_changes_to_the_leading_ranks_keep_every_rows_three_largest_loads(int ranks, int rows)
    {
        // Exchanges between the ranks at the top, each moving a little load: the leading ranks mostly stay the leading ones,
        // in a new order, and sometimes one falls below a rank outside them (only a rescan finds which).
        var random = new Random(ranks * 10 + rows);
        var loads = new double[ranks * rows];
        for (var i = 0; i < loads.Length; i++) loads[i] = 1000 + random.Next(40);
        var leaders = new RowLeaders();
        leaders.Reset(ranks, rows);
        leaders.Rebuild(loads);
        for (var step = 0; step < 2000; step++)
        {
            var a = leaders.Rank(random.Next(rows), random.Next(Math.Min(3, ranks)));
            var b = random.Next(3) == 0 ? -1 : random.Next(ranks);
            if (b == a) b = -1;
            for (var h = 0; h < rows; h++)
            {
                loads[a * rows + h] += random.Next(-10, 11);
                if (b >= 0) loads[b * rows + h] += random.Next(-10, 11);
            }
            leaders.Refresh(loads, a, b);
            AssertMatchesScan(leaders, loads, ranks, rows);
        }
    }

    /// <summary>
    /// Rebuilding and refreshing with a row-major copy of the loads (rows scanned a SIMD width at a time) leaves every row's
    /// three the same ranks in the same order, with the same loads, as doing so from the rank-major loads alone: ties included (loads
    /// from a few values), on rank counts that end a SIMD width exactly, in padding, or below three.
    /// </summary>
    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 4)]
    [InlineData(5, 6)]
    [InlineData(32, 6)]
    [InlineData(37, 14)]
    [InlineData(128, 14)]
    public void Rows_scanned_again_from_a_row_major_copy_find_the_same_three(int ranks, int rows)
    {
        var random = new Random(ranks * 1000 + rows);
        var loads = new double[ranks * rows];
        var pitch = ranks + 3; // a pitch past the ranks, as the solver's copy pads its rows
        var byRow = new double[rows * pitch];
        for (var i = 0; i < loads.Length; i++) loads[i] = 1000 + random.Next(8);
        var scalar = new RowLeaders();
        var lanes = new RowLeaders();
        scalar.Reset(ranks, rows);
        lanes.Reset(ranks, rows);
        for (var h = 0; h < rows; h++)
            for (var g = 0; g < ranks; g++) byRow[h * pitch + g] = loads[g * rows + h];
        scalar.Rebuild(loads);
        lanes.Rebuild(byRow, pitch);
        for (var h = 0; h < rows; h++)
            for (var k = 0; k < 3; k++) Assert.Equal(scalar.Rank(h, k), lanes.Rank(h, k));
        var rescans = 0;
        for (var step = 0; step < 1500; step++)
        {
            var a = random.Next(3) == 0 ? random.Next(ranks) : scalar.Rank(random.Next(rows), random.Next(Math.Min(3, ranks)));
            var b = ranks > 1 && random.Next(3) != 0 ? (a + 1 + random.Next(ranks - 1)) % ranks : -1;
            for (var h = 0; h < rows; h++)
            {
                loads[a * rows + h] += random.Next(-6, 5);
                if (b >= 0) loads[b * rows + h] += random.Next(-6, 5);
            }
            for (var h = 0; h < rows; h++)
                for (var g = 0; g < ranks; g++) byRow[h * pitch + g] = loads[g * rows + h];
            var before = Enumerable.Range(0, rows).Select(h => scalar.Rank(h, 2)).ToArray();
            scalar.Refresh(loads, a, b);
            lanes.Refresh(loads, a, b, byRow, pitch);
            for (var h = 0; h < rows; h++)
            {
                if (scalar.Rank(h, 2) != before[h]) rescans++;
                for (var k = 0; k < 3; k++)
                {
                    Assert.Equal(scalar.Rank(h, k), lanes.Rank(h, k));
                    Assert.Equal(scalar.Load(h, k), lanes.Load(h, k));
                }
            }
        }
        if (ranks > 3) Assert.True(rescans > 0, "no row's three changed ranks");
    }
}
