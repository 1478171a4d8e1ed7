using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// What a bfio call places against: every rank's projected load on the planned rows (its running requests as the
/// predictor sees them ahead) and the envelope, the largest rank's load on each row. Rows are indexed as planned
/// (k-th planned row, k = 0 the step being decided), not by step: life rows plan 16 rows (0, 1, 2, 4, …, 16,384) over 16,384 steps.
/// </summary>
internal sealed class RankProjection
{
    private double[] _loads = [];    // [g·Rows + k]
    private double[] _envelope = [];

    public int Ranks { get; private set; }

    /// <summary>Planned rows per rank in <see cref="Loads"/>.</summary>
    public int Rows { get; private set; }

    /// <summary>Every rank's loads, rank-major: rank g's k-th planned row at g·<see cref="Rows"/> + k.</summary>
    public ReadOnlySpan<double> Loads => _loads.AsSpan(0, Ranks * Rows);

    /// <summary>Rank g's load on the k-th planned row (k = 0: now).</summary>
    public double Load(int g, int k) => _loads[g * Rows + k];

    /// <summary>The largest rank's load on the k-th planned row.</summary>
    public double Envelope(int k) => _envelope[k];

    /// <summary>Grows the buffers to project <paramref name="ranks"/> ranks on <paramref name="rows"/> rows, ahead of the
    /// first projection that large.</summary>
    public void Reserve(int ranks, int rows)
    {
        Buffers.Ensure(ref _loads, ranks * rows);
        Buffers.Ensure(ref _envelope, rows);
    }

    /// <summary>Projects every rank on <paramref name="planned"/>'s rows.</summary>
    public void Project(ClusterView state, IOutputPredictor predictor, PlannedRows planned)
    {
        Ranks = state.Ranks;
        Rows = planned.Count;
        Buffers.Ensure(ref _loads, Ranks * Rows);
        Buffers.Ensure(ref _envelope, Rows);
        var plannedRows = planned.Rows;
        for (var g = 0; g < Ranks; g++) predictor.ProjectRankRows(state, g, plannedRows, _loads.AsSpan(g * Rows, Rows));
        _envelope.AsSpan(0, Rows).Fill(double.NegativeInfinity);
        for (var g = 0; g < Ranks; g++) RaiseEnvelope(g);
    }

    /// <summary>Projects rank g again after an admission there, and raises the envelope to it.</summary>
    public void Reproject(ClusterView state, IOutputPredictor predictor, int g, PlannedRows planned)
    {
        predictor.ProjectRankRows(state, g, planned.Rows, _loads.AsSpan(g * Rows, Rows));
        RaiseEnvelope(g);
    }

    private void RaiseEnvelope(int g)
    {
        for (var k = 0; k < Rows; k++)
            if (_loads[g * Rows + k] > _envelope[k]) _envelope[k] = _loads[g * Rows + k];
    }

    /// <summary>
    /// The objective's change if a request of this profile (its load on the planned rows) went to rank g alone:
    /// G × its weighted rise above the envelope − its weighted load.
    /// </summary>
    public double PlacementCost(int g, ReadOnlySpan<double> profile, PlannedRows planned)
    {
        var over = 0.0;
        var reward = 0.0;
        var weights = planned.Weights;
        for (var k = 0; k < Rows; k++)
        {
            var d = _loads[g * Rows + k] + profile[k] - _envelope[k];
            if (d > 0) over += weights[k] * d;
            reward += weights[k] * profile[k];
        }
        return Ranks * over - reward;
    }
}
