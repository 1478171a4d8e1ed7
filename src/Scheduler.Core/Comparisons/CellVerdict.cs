using Scheduler.Core.Simulation;

namespace Scheduler.Core.Comparisons;

/// <summary>
/// Whether a candidate policy wins a cell against a set of rivals, figure by figure, as issue 12 asks: on every figure
/// best or within <see cref="Tolerance"/> of the best rival, and an average imbalance at most
/// <see cref="ImbalanceShare"/> of the best rival's. <see cref="Shortfalls"/> names each figure where it does not.
/// </summary>
public sealed record CellVerdict(string Candidate, IReadOnlyList<Shortfall> Shortfalls)
{
    public const double Tolerance = 0.01;
    public const double ImbalanceShare = 0.8;

    public bool Wins => Shortfalls.Count == 0;

    /// <param name="runs">The cell's runs, one per policy (by <see cref="RunSummary.Policy"/>).</param>
    /// <param name="candidate">The policy judged.</param>
    /// <param name="rivals">The policies it must beat (others in <paramref name="runs"/> are ignored); the candidate is skipped.</param>
    public static CellVerdict Judge(IReadOnlyList<RunSummary> runs, string candidate, IReadOnlyCollection<string> rivals, IReadOnlyList<Figure> figures,
        double tolerance = Tolerance, double imbalanceShare = ImbalanceShare)
    {
        var mine = runs.Single(r => r.Policy == candidate);
        var others = runs.Where(r => r.Policy != candidate && rivals.Contains(r.Policy)).ToList();
        var shortfalls = new List<Shortfall>();
        if (others.Count == 0) return new CellVerdict(candidate, shortfalls);
        foreach (var figure in figures)
        {
            var best = others.OrderBy(r => Figures.HigherIsBetter(figure) ? -Figures.Read(r, figure) : Figures.Read(r, figure)).First();
            var bestValue = Figures.Read(best, figure);
            var penalty = Figures.Penalty(figure, Figures.Read(mine, figure), bestValue);
            var allowed = figure == Figure.AvgImbalance ? imbalanceShare : 1.0 + tolerance;
            // Imbalance must be well below the best rival's, not merely close to it.
            if (penalty > allowed)
                shortfalls.Add(new Shortfall(figure, Figures.Read(mine, figure), best.Policy, bestValue, penalty));
        }
        return new CellVerdict(candidate, shortfalls);
    }
}

/// <summary>A figure on which the candidate loses: its value, the best rival and its value, and how many times worse it is.</summary>
public sealed record Shortfall(Figure Figure, double Value, string BestRival, double BestValue, double Penalty);
