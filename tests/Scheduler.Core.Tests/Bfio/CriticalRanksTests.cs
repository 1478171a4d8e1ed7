using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>The exchange search's critical ranks: each weighted row's maximum where one rank holds it alone.</summary>
public sealed class CriticalRanksTests
{
    /// <summary>
    /// On random loads (few distinct values, so rows are often led by two ranks together) and weights (some 0), after any
    /// number of updates: a rank is critical exactly where a scan finds it strictly above every other rank on some row of
    /// positive weight; the rows listed are those rows, ascending; the ranks ascending; the candidates those placed on the
    /// critical ranks, rank by rank. The ranks before the last update are the ones <c>WasCritical</c> names.
    /// </summary>
    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 2)]
    [InlineData(9, 6)]
    [InlineData(40, 14)]
    public void Critical_ranks_are_those_a_scan_finds_leading_a_weighted_row_alone(int ranks, int rows)
    {
        var random = new Random(ranks * 31 + rows);
        var candidates = 3 * ranks;
        var critical = new CriticalRanks();
        critical.Reserve(ranks, rows, candidates);
        critical.Reset(ranks);
        var leaders = new RowLeaders();
        leaders.Reset(ranks, rows);
        var members = new RankMembers();
        var before = Array.Empty<int>();
        var sawTie = false;
        var sawCritical = false;
        for (var round = 0; round < 60; round++)
        {
            var loads = new double[ranks * rows];
            for (var k = 0; k < loads.Length; k++) loads[k] = random.Next(6);
            var weights = new double[rows];
            for (var h = 0; h < rows; h++) weights[h] = random.Next(4) == 0 ? 0.0 : random.NextDouble();
            members.Reset(ranks, candidates);
            var rankOf = new int[candidates];
            for (var i = 0; i < candidates; i++)
            {
                rankOf[i] = random.Next(ranks + 1) - 1;
                if (rankOf[i] >= 0) members.Add(i, rankOf[i]);
            }
            leaders.Rebuild(loads);
            critical.RememberBefore();
            critical.Update(leaders, weights, rows, members);

            var rowsAlone = Enumerable.Range(0, rows).Where(h => weights[h] > 0 && Enumerable.Range(0, ranks)
                .Count(g => loads[g * rows + h] == Enumerable.Range(0, ranks).Max(r => loads[r * rows + h])) == 1).ToArray();
            sawTie |= rowsAlone.Length < rows && weights.Any(w => w > 0);
            var leading = rowsAlone.Select(h => Enumerable.Range(0, ranks).MaxBy(g => loads[g * rows + h])).Distinct().Order().ToArray();
            sawCritical |= leading.Length > 0;
            Assert.Equal(rowsAlone, critical.Rows.ToArray());
            Assert.Equal(leading, critical.Ranks.ToArray());
            for (var g = 0; g < ranks; g++)
            {
                Assert.Equal(leading.Contains(g), critical.IsCritical(g));
                Assert.Equal(before.Contains(g), critical.WasCritical(g));
            }
            var onCritical = new List<int>();
            foreach (var g in leading)
                for (var j = members.First(g); j >= 0; j = members.Next(j)) onCritical.Add(j);
            Assert.Equal(onCritical, critical.Candidates.ToArray());
            Assert.All(critical.Candidates.ToArray(), j => Assert.Contains(rankOf[j], leading));
            before = leading;
        }
        Assert.True(sawCritical, "no draw had a critical rank");
        if (ranks > 1) Assert.True(sawTie, "no draw had a row led by two ranks together");
    }
}
