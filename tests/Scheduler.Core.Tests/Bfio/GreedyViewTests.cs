using System.Numerics;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>The greedy fill's view of the candidates in value order, compacted as candidates are taken.</summary>
public sealed class GreedyViewTests
{
    /// <summary>
    /// Candidates taken one by one at random: the view drops them only once they are more than a quarter of it, and then
    /// holds exactly the candidates left, in value order, with their values and profiles and zeros past the last; the hint
    /// moves to the place of the first candidate left at or after the one it named. A long view is summed up in blocks.
    /// </summary>
    [Theory]
    [InlineData(1, 1, 16)]
    [InlineData(37, 5, 16)]
    [InlineData(300, 3, 16)]
    [InlineData(300, 3, 1)]
    public void Taken_candidates_leave_the_view_in_quarters_and_the_rest_keep_value_order(int count, int rows, int blockScanFrom)
    {
        var random = new Random(count + rows + blockScanFrom);
        var width = Vector<double>.Count;
        var stride = Math.Max(width, (count + width - 1) / width * width);
        var values = new double[stride];
        for (var i = 0; i < count; i++) values[i] = random.Next(20);
        var profiles = new double[rows * stride];
        for (var k = 0; k < profiles.Length; k++) profiles[k] = random.Next(1000);
        var byValue = Enumerable.Range(0, count).OrderByDescending(i => values[i]).ThenBy(i => i).ToArray();
        var rankOf = Enumerable.Repeat(-1, count).ToArray();

        var view = new GreedyView();
        view.Reserve(rows, stride, count);
        view.Start(byValue, values, profiles, rows, stride, blockScanFrom);
        var compactions = 0;
        var taken = 0;
        foreach (var i in byValue.OrderBy(_ => random.Next()))
        {
            var liveBefore = view.Live;
            var hinted = random.Next(liveBefore);
            var hintedIds = view.Ids[..liveBefore].ToArray();
            view.Hint = hinted;
            rankOf[i] = 0;
            view.Took();
            taken++;
            if (view.CompactionDue) view.Compact(rankOf);
            if (view.Live == liveBefore)
            {
                Assert.True(4 * taken <= liveBefore, "a quarter taken and no compaction");
                Assert.Equal(hinted, view.Hint);
                continue;
            }
            compactions++;
            taken = 0;
            var left = byValue.Where(j => rankOf[j] < 0).ToArray();
            Assert.Equal(left, view.Ids[..view.Live].ToArray());
            var padded = (view.Live + width - 1) / width * width;
            for (var k = 0; k < padded; k++)
            {
                Assert.Equal(k < view.Live ? values[left[k]] : 0.0, view.Values[k]);
                for (var h = 0; h < rows; h++)
                    Assert.Equal(k < view.Live ? profiles[h * stride + left[k]] : 0.0, view.Profiles[h * stride + k]);
            }
            var next = hintedIds.Skip(hinted).FirstOrDefault(j => rankOf[j] < 0, -1);
            if (next >= 0) Assert.Equal(next, view.Ids[view.Hint]);
            else Assert.Equal(view.Live, view.Hint);
            if (view.ReadsByBlocks(view.Live)) Assert.Equal((view.Live + GreedyBlocks.Size - 1) / GreedyBlocks.Size, view.Blocks.Count);
        }
        if (count > 4) Assert.True(compactions > 2, $"only {compactions} compactions");
    }
}
