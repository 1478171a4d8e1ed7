using System.Numerics;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>The cost of each exchange of one candidate, read from the rows' leaders, against the max term recomputed from
/// every rank's loads after the exchange.</summary>
public sealed class ExchangeCostsTests
{
    /// <summary>Σ_h w_h (max_g L'_g(h) − max_g L_g(h)), L' the loads after the exchange, by a scan of every rank.</summary>
    private static double MaxTermChange(double[] loads, double[] after, double[] weights, int ranks, int rows)
    {
        var change = 0.0;
        for (var h = 0; h < rows; h++)
        {
            var before = double.NegativeInfinity;
            var now = double.NegativeInfinity;
            for (var g = 0; g < ranks; g++)
            {
                before = Math.Max(before, loads[g * rows + h]);
                now = Math.Max(now, after[g * rows + h]);
            }
            change += weights[h] * (now - before);
        }
        return change;
    }

    /// <summary>
    /// Random placements (loads from few values, so rows are often led by two or three ranks together, and by the leaving
    /// candidate's own rank): for a candidate i on rank g, replacing it by any other profile, moving it to any other rank
    /// and swapping it with a candidate of any other rank each cost what the max term changes by, the many-at-once forms
    /// (SIMD lanes) and the one-at-a-time forms alike; a replacement cut short by a limit below its cost says +∞.
    /// </summary>
    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 4)]
    [InlineData(12, 6)]
    [InlineData(33, 9)]
    public void Each_exchange_costs_what_the_max_term_changes_by(int ranks, int rows)
    {
        var random = new Random(ranks * 7 + rows);
        var width = Vector<double>.Count;
        var lanes = (ranks + width - 1) / width * width;
        var costs = new ExchangeCosts();
        costs.Reserve(rows);
        var leaders = new RowLeaders();
        leaders.Reset(ranks, rows);
        for (var draw = 0; draw < 200; draw++)
        {
            var loads = new double[ranks * rows];
            for (var k = 0; k < loads.Length; k++) loads[k] = 100 * random.Next(4);
            var weights = new double[rows];
            for (var h = 0; h < rows; h++) weights[h] = random.Next(5) == 0 ? 0.0 : random.NextDouble();
            var g = random.Next(ranks);
            var outProfile = new double[rows];
            for (var h = 0; h < rows; h++)
            {
                outProfile[h] = random.Next(100);
                loads[g * rows + h] += outProfile[h]; // i stands on g
            }
            leaders.Rebuild(loads);
            costs.Prepare(leaders, weights, loads.AsSpan(g * rows, rows), outProfile, g, rows);

            // A replacement by a candidate of a random profile.
            var inProfile = Enumerable.Range(0, rows).Select(_ => (double)random.Next(150)).ToArray();
            var replaced = (double[])loads.Clone();
            for (var h = 0; h < rows; h++) replaced[g * rows + h] += inProfile[h] - outProfile[h];
            var replacement = MaxTermChange(loads, replaced, weights, ranks, rows);
            Assert.Equal(replacement, costs.ReplacementBelow(inProfile, 1.0, double.PositiveInfinity), 9);
            Assert.Equal(3 * replacement, costs.ReplacementBelow(inProfile, 3.0, double.PositiveInfinity), 8);
            if (replacement > 1e-6) Assert.Equal(double.PositiveInfinity, costs.ReplacementBelow(inProfile, 1.0, replacement / 2));
            var replacementsOnly = new ExchangeCosts();
            replacementsOnly.Reserve(rows);
            replacementsOnly.PrepareReplacements(leaders, weights, loads.AsSpan(g * rows, rows), outProfile, g, rows);
            Assert.Equal(costs.ReplacementBelow(inProfile, 1.0, double.PositiveInfinity),
                replacementsOnly.ReplacementBelow(inProfile, 1.0, double.PositiveInfinity));

            // Replacements by many queued candidates at once, in the queued view's order.
            var queuedCount = 1 + random.Next(2 * width + 1);
            var stride = (queuedCount + width - 1) / width * width;
            var soa = new double[rows * stride];
            for (var k = 0; k < soa.Length; k++) soa[k] = random.Next(150);
            var values = Enumerable.Range(0, stride).Select(i => i < queuedCount ? (double)random.Next(9) : 0.0).ToArray();
            var byValue = Enumerable.Range(0, queuedCount).OrderByDescending(i => values[i]).ThenBy(i => i).ToArray();
            var view = new QueuedView();
            view.Reserve(rows, stride, queuedCount);
            view.Refresh(byValue, Enumerable.Repeat(-1, queuedCount).ToArray(), values, soa, rows, stride);
            var many = new double[stride];
            costs.Replacements(view, many, stride);
            for (var q = 0; q < queuedCount; q++)
            {
                var j = view.Ids[q];
                var profile = Enumerable.Range(0, rows).Select(h => soa[h * stride + j]).ToArray();
                Assert.Equal(costs.ReplacementBelow(profile, 1.0, double.PositiveInfinity), many[q], 9);
            }

            // Every move and every swap (with a partner of random profile on each other rank), one lane per rank.
            var pitch = lanes;
            var partnerProfiles = new double[rows * pitch];
            var partnerLoads = new double[rows * pitch];
            var noProfile = new double[rows * pitch];
            var rankLanes = new double[pitch];
            for (var r = 0; r < pitch; r++)
            {
                rankLanes[r] = r < ranks ? r : -1;
                for (var h = 0; h < rows; h++)
                {
                    partnerProfiles[h * pitch + r] = r < ranks ? random.Next(Math.Max(1, (int)loads[r * rows + h] + 1)) : 0.0;
                    partnerLoads[h * pitch + r] = r < ranks ? loads[r * rows + h] : 0.0;
                }
            }
            var swaps = new double[pitch];
            var moves = new double[pitch];
            costs.Swaps(partnerProfiles, partnerLoads, rankLanes, swaps, pitch, pitch);
            costs.Swaps(noProfile, partnerLoads, rankLanes, moves, pitch, pitch);
            for (var g2 = 0; g2 < ranks; g2++)
            {
                if (g2 == g) continue;
                var moved = (double[])loads.Clone();
                var swapped = (double[])loads.Clone();
                for (var h = 0; h < rows; h++)
                {
                    moved[g * rows + h] -= outProfile[h];
                    moved[g2 * rows + h] += outProfile[h];
                    var partner = partnerProfiles[h * pitch + g2];
                    swapped[g * rows + h] += partner - outProfile[h];
                    swapped[g2 * rows + h] += outProfile[h] - partner;
                }
                var move = MaxTermChange(loads, moved, weights, ranks, rows);
                Assert.Equal(move, moves[g2], 9);
                Assert.Equal(move, costs.Move(g2, loads.AsSpan(g2 * rows, rows)), 9);
                Assert.Equal(MaxTermChange(loads, swapped, weights, ranks, rows), swaps[g2], 9);
            }
        }
    }
}
