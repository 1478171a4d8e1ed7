using Scheduler.Core.Model;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>
/// Where a departure lands among the planned rows: the arithmetic for the dense and doubling layouts must name the row a
/// search of the rows names, and the projection on planned rows must equal the full projection read at those rows.
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

    public static TheoryData<string, int[]> Projections => new()
    {
        { "oracle", Doubling(16) },
        { "oracle", Doubling(12) },
        { "oracle", [0, 1, 2, 3, 4, 5, 6, 7, 8] },
        { "oracle", [0, 3, 7, 9] },
        { "oracle", [0, 1, 2, 4] },
        { "noisy", Doubling(16) },
        { "noisy", [0, 2, 5, 11] },
    };

    [Theory]
    [MemberData(nameof(Projections))]
    public void The_projection_on_planned_rows_equals_the_full_projection_there(string predictorName, int[] rows)
    {
        // Running requests leaving before, inside and past the rows, overdue ones (ô below what they generated), and ô = 0
        // (read as 1), on two ranks.
        var rng = new Random(rows.Length * 31 + predictorName.Length);
        var requests = new List<Request>();
        for (var i = 0; i < 40; i++)
        {
            var output = rng.Next(1, 40);
            var predicted = i % 9 == 0 ? 0 : i % 5 == 0 ? rng.Next(1, 4) : output;
            requests.Add(new Request(i, rng.Next(10, 3000), output, predicted));
        }
        DeterministicPredictor predictor = predictorName == "oracle" ? new OraclePredictor() : new NoisyPredictor(0.3, 7);
        var full = new double[16 + 1];
        var planned = new double[16 + 1];
        // At admission (ô = 0 leaves at row 1) and 3 steps on (some overdue).
        foreach (var steps in new[] { 0, 3 })
        {
            var state = ProjectionTests.RunningState(requests, steps, ranks: 2, batch: 32);
            for (var g = 0; g < 2; g++)
            {
                predictor.ProjectRank(state, g, full);
                Array.Fill(planned, double.NaN);
                predictor.ProjectRankRows(state, g, rows, planned.AsSpan(0, rows[^1] + 1));
                foreach (var h in rows) Assert.Equal(full[h], planned[h]);
            }
        }
    }
}
