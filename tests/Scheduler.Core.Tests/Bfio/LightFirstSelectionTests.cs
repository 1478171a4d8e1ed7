using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>Light-first selection keeps exactly the lightest candidates, ties to the older, as a full sort would.</summary>
public sealed class LightFirstSelectionTests
{
    [Theory]
    [InlineData(1, 7)]
    [InlineData(2, 40)]
    [InlineData(3, 200)]
    [InlineData(4, 5)]
    public void Marks_what_a_sort_by_key_then_index_keeps(int seed, int count)
    {
        var random = new Random(seed);
        var keys = new double[count];
        for (var i = 0; i < count; i++)
            // Few distinct keys, so ties are common; some exempt (−∞), as aged candidates are.
            keys[i] = random.Next(10) == 0 ? double.NegativeInfinity : random.Next(8) * 100.0;
        var order = new int[count];
        var kept = new bool[count];
        for (var keep = 1; keep <= count; keep++)
        {
            LightFirstSelection.MarkLightest(keys, keep, order, kept);
            var expected = Enumerable.Range(0, count).OrderBy(i => keys[i]).ThenBy(i => i).Take(keep).ToHashSet();
            for (var i = 0; i < count; i++) Assert.Equal(expected.Contains(i), kept[i]);
        }
    }
}
