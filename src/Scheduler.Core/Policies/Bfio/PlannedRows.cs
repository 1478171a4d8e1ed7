namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// The steps ahead a bfio call plans on and what each weighs. Row h is the step h ahead (row 0: right after this call's
/// admissions). The paper weighs row 0 by w_0 and row h ≥ 1 by decay^(h−1) up to its horizon H; with life rows, every
/// planned row past 0 also weighs γ. Planning on every row costs O(H) per rank and candidate, so with
/// <see cref="BfioSettings.SampleRows"/> only rows 0, 1, 2, 4, …, H are planned on, each carrying the summed weight of
/// the rows from it to the next planned one: loads move by a token per step between departures, so a row stands for
/// its neighbours, and the last row, which sees the furthest departures, is always kept.
/// </summary>
internal sealed class PlannedRows
{
    private double[] _rowWeights = [];
    private int[] _rows = [];
    private double[] _weights = [];

    /// <summary>How many rows are planned on.</summary>
    public int Count { get; private set; }

    /// <summary>The steps ahead planned on, ascending, starting at 0.</summary>
    public ReadOnlySpan<int> Rows => _rows.AsSpan(0, Count);

    /// <summary>Each planned row's weight: the summed weights of the rows it stands for, plus γ past row 0.</summary>
    public ReadOnlySpan<double> Weights => _weights.AsSpan(0, Count);

    /// <summary>
    /// Plans on <paramref name="rows"/> rows (0 … rows − 1): the paper's decayed weights on rows 0 … <paramref name="horizon"/>
    /// (row 0 weighs 1 when it is the only row), <paramref name="lifeWeight"/> (γ, 0 without life rows) on every row past 0,
    /// and every row or the doublings alone (<paramref name="sample"/>). Returns how many rows are planned on.
    /// </summary>
    public int Plan(int rows, double nowWeight, double decay, int horizon, double lifeWeight, bool sample)
    {
        // The paper's decayed rows end at H; rows past it (life rows) weigh γ alone, so only rows 0 … H hold a weight of
        // their own. The buffers take those and the planned rows, not every row ahead: life rows reach 16,384 steps on
        // a handful of planned rows, and buffers of every row were allocated (on the large-object heap) inside a decision.
        var decayed = Math.Max(1, Math.Min(rows, horizon + 1));
        var planned = CountPlanned(rows, sample);
        Buffers.Ensure(ref _rowWeights, decayed);
        Buffers.Ensure(ref _rows, planned);
        Buffers.Ensure(ref _weights, planned);
        var weights = _rowWeights.AsSpan(0, decayed);
        weights[0] = rows == 1 ? 1.0 : nowWeight;
        var w = 1.0;
        for (var h = 1; h < decayed; h++) { weights[h] = w; w *= decay; }
        planned = 0;
        for (var h = 0; h < rows; h = NextRow(h, rows, sample))
        {
            _rows[planned] = h;
            _weights[planned] = 0.0;
            planned++;
        }
        for (var k = 0; k < planned; k++)
        {
            var end = Math.Min(decayed, k + 1 < planned ? _rows[k + 1] : rows);
            for (var h = _rows[k]; h < end; h++) _weights[k] += weights[h];
            if (k > 0) _weights[k] += lifeWeight;
        }
        Count = planned;
        return planned;
    }

    /// <summary>Room to plan on up to <paramref name="rows"/> rows, each with a decayed weight of its own (a horizon that
    /// far), before the first plan that large.</summary>
    public void Reserve(int rows, bool sample)
    {
        Buffers.Ensure(ref _rowWeights, rows);
        var planned = CountPlanned(rows, sample);
        Buffers.Ensure(ref _rows, planned);
        Buffers.Ensure(ref _weights, planned);
    }

    /// <summary>How many of <paramref name="rows"/> rows are planned on: every one, or with <paramref name="sample"/>
    /// rows 0, 1, 2, 4, … and the last.</summary>
    public static int CountPlanned(int rows, bool sample)
    {
        var planned = 0;
        for (var h = 0; h < rows; h = NextRow(h, rows, sample)) planned++;
        return planned;
    }

    private static int NextRow(int h, int rows, bool sample)
    {
        if (!sample || h < 2) return h + 1;
        // Doubling, but always keep the last row: the furthest lookahead is the one that sees departures.
        return h == rows - 1 ? rows : Math.Min(2 * h, rows - 1);
    }
}
