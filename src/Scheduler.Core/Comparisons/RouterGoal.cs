namespace Scheduler.Core.Comparisons;

/// <summary>
/// Issue 13's goal for a candidate router in one cell: against every rival, a lower average imbalance, a TTFT p99 no
/// higher and a throughput no lower. "No higher" and "no lower" allow <see cref="Tolerance"/>: below capacity every
/// router's throughput is the arrival rate, and a strict test would turn on noise. Imbalance has no tolerance.
/// </summary>
public sealed record RouterGoal(string Candidate, IReadOnlyList<GoalMiss> Misses, double WorstPenalty)
{
    public const double Tolerance = CellVerdict.Tolerance;

    public bool Met => Misses.Count == 0;

    /// <param name="candidate">The candidate's figures.</param>
    /// <param name="rivals">Every router it must beat; must not be empty.</param>
    public static RouterGoal Judge(RouterFigures candidate, IReadOnlyList<RouterFigures> rivals, double tolerance = Tolerance)
    {
        if (rivals.Count == 0) throw new ArgumentException($"{candidate.Policy}: no rivals to judge against", nameof(rivals));
        var misses = new List<GoalMiss>();
        var worst = 0.0;
        foreach (var rival in rivals)
        {
            // Times worse than this rival on each goal figure (1 = equal, below 1 = better).
            var imbalance = Times(candidate.AvgImbalance, rival.AvgImbalance);
            var ttft = Times(candidate.TtftP99, rival.TtftP99);
            var throughput = Times(rival.Throughput, candidate.Throughput);
            worst = Math.Max(worst, Math.Max(imbalance, Math.Max(ttft, throughput)));
            if (!(candidate.AvgImbalance < rival.AvgImbalance)) misses.Add(new GoalMiss("imbalance", rival.Policy, imbalance));
            if (ttft > 1.0 + tolerance) misses.Add(new GoalMiss("TTFT p99", rival.Policy, ttft));
            if (throughput > 1.0 + tolerance) misses.Add(new GoalMiss("throughput", rival.Policy, throughput));
        }
        return new RouterGoal(candidate.Policy, misses, worst);
    }

    private static double Times(double worse, double better) =>
        worse == better ? 1.0 : better <= 0.0 ? double.PositiveInfinity : worse / better;
}

/// <summary>A goal figure the candidate misses against one rival, and how many times worse it is there.</summary>
public sealed record GoalMiss(string Figure, string Rival, double TimesWorse)
{
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Figure} {TimesWorse:0.000}× {Rival}");
}
