using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// What a bfio call places against: every rank's projected load on the planned rows (its running requests as the
/// predictor sees them ahead) and the envelope, the largest rank's load on each row. Only the planned rows are filled and
/// read; the others hold whatever an earlier call left.
/// </summary>
internal sealed class RankProjection
{
    private double[] _loads = [];    // [g·Rows + h]
    private double[] _envelope = [];

    public int Ranks { get; private set; }

    /// <summary>Rows per rank in <see cref="Loads"/>: the horizon planned + 1, of which only the planned rows are read.</summary>
    public int Rows { get; private set; }

    /// <summary>Every rank's loads, rank-major: rank g's row h at g·<see cref="Rows"/> + h.</summary>
    public ReadOnlySpan<double> Loads => _loads.AsSpan(0, Ranks * Rows);

    public double Load(int g, int h) => _loads[g * Rows + h];

    /// <summary>The largest rank's load on row h.</summary>
    public double Envelope(int h) => _envelope[h];

    /// <summary>Projects every rank on <paramref name="planned"/>'s rows, out of <paramref name="rows"/> rows per rank.</summary>
    public void Project(ClusterView state, IOutputPredictor predictor, int rows, PlannedRows planned)
    {
        Ranks = state.Ranks;
        Rows = rows;
        if (_loads.Length < Ranks * rows) _loads = new double[Ranks * rows];
        if (_envelope.Length < rows) _envelope = new double[rows];
        var plannedRows = planned.Rows;
        for (var g = 0; g < Ranks; g++) predictor.ProjectRankRows(state, g, plannedRows, _loads.AsSpan(g * rows, rows));
        _envelope.AsSpan(0, rows).Fill(double.NegativeInfinity);
        for (var g = 0; g < Ranks; g++) RaiseEnvelope(g, plannedRows);
    }

    /// <summary>Projects rank g again after an admission there, and raises the envelope to it.</summary>
    public void Reproject(ClusterView state, IOutputPredictor predictor, int g, PlannedRows planned)
    {
        var plannedRows = planned.Rows;
        predictor.ProjectRankRows(state, g, plannedRows, _loads.AsSpan(g * Rows, Rows));
        RaiseEnvelope(g, plannedRows);
    }

    private void RaiseEnvelope(int g, ReadOnlySpan<int> plannedRows)
    {
        foreach (var h in plannedRows)
            if (_loads[g * Rows + h] > _envelope[h]) _envelope[h] = _loads[g * Rows + h];
    }

    /// <summary>
    /// The objective's change if a request of this profile (its load on the planned rows) went to rank g alone:
    /// G × its weighted rise above the envelope − its weighted load.
    /// </summary>
    public double PlacementCost(int g, ReadOnlySpan<double> profile, PlannedRows planned)
    {
        var over = 0.0;
        var reward = 0.0;
        var rows = planned.Rows;
        var weights = planned.Weights;
        for (var k = 0; k < rows.Length; k++)
        {
            var h = rows[k];
            var d = _loads[g * Rows + h] + profile[k] - _envelope[h];
            if (d > 0) over += weights[k] * d;
            reward += weights[k] * profile[k];
        }
        return Ranks * over - reward;
    }
}
