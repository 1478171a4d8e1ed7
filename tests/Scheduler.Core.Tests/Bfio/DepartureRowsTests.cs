using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>
/// Where a departure lands among the planned rows: the arithmetic for the dense and doubling layouts must name the row a
/// scan of the rows names (the projections on those layouts: LifeRowsTests).
/// </summary>
public sealed class DepartureRowsTests
{
    /// <summary>The rows bfio plans on over a horizon of <paramref name="last"/> steps with row sampling: 0, 1, 2, 4, …, last.</summary>
    private static int[] Doubling(int last)
    {
        var rows = new List<int>();
        var count = last + 1;
        for (var h = 0; h < count; h = h < 2 ? h + 1 : h == count - 1 ? count : Math.Min(2 * h, count - 1)) rows.Add(h);
        return rows.ToArray();
    }

    private static int FirstAtOrPastByScan(int[] rows, int h) => Array.FindIndex(rows, r => r >= h);

    public static TheoryData<int[], string> Layouts => new()
    {
        { [0, 1, 2, 3, 4, 5], "Dense" },
        { Doubling(16), "Doubling" },
        { Doubling(12), "Doubling" },
        { Doubling(5), "Doubling" },
        { Doubling(100), "Doubling" },
        { Doubling(16384), "Doubling" },
        { [0, 3, 7, 9], "Searched" },
        { [0, 1, 2, 4, 8, 9, 16], "Searched" },
        { [0, 1, 2, 4, 6, 7], "Searched" },
        { [1, 2, 4], "Searched" },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Every_departure_lands_on_the_first_planned_row_at_or_past_it(int[] rows, string layoutName)
    {
        var layout = Enum.Parse<DepartureRows.Layout>(layoutName);
        Assert.Equal(layout, DepartureRows.LayoutOf(rows));
        for (var h = 1; h <= rows[^1]; h++)
            Assert.Equal(FirstAtOrPastByScan(rows, h), DepartureRows.FirstAtOrPast(layout, rows, h));
    }
}
