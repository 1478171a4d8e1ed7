using Scheduler.Core.Metrics;

namespace Scheduler.Cli.Commands;

/// <summary>
/// The optimality gap of one bfio run, over the decisions that admit something (a decision with nothing to
/// admit has one feasible placement, which is optimal and meets the bound).
/// Relative gap of a value v to a reference r: (v − r) / max(|v|, |r|, 1).
/// </summary>
public sealed record GapReport(
    string Policy,
    int Calls,
    int CallsWithAdmissions,
    double MeanCandidates,
    double MeanAdmitted,
    double BoundGapMean,
    double BoundGapMedian,
    double BoundGapP90,
    double BoundGapMax,
    int ExactTried,
    int ExactImproved,
    double FoundGapMean,
    double FoundGapMax,
    int ExactFinished,
    double ExactFinishedShare,
    double ExactGapMean,
    double ExactGapMax,
    double BoundSlackMean,
    double ProbeSeconds,
    double WallSeconds)
{
    public static double RelativeGap(double value, double reference) =>
        (value - reference) / Math.Max(1.0, Math.Max(Math.Abs(value), Math.Abs(reference)));

    public static GapReport Of(string policy, IReadOnlyList<GapSample> samples, double probeSeconds, double wallSeconds)
    {
        var admitting = samples.Where(s => s.AdmitCount > 0).ToList();
        var boundGaps = admitting.Select(s => RelativeGap(s.Objective, s.LowerBound)).Order().ToArray();
        // Unfinished, the exact solver still returns the best placement it met (never worse than the solver's,
        // its incumbent): a gap to that is a floor on the true gap, as the gap to the bound is a ceiling.
        var tried = admitting.Where(s => s.ExactRun).ToList();
        var foundGaps = tried.Select(s => RelativeGap(s.Objective, Math.Min(s.Objective, s.Exact))).ToArray();
        var finished = admitting.Where(s => s.ExactFinished).ToList();
        var exactGaps = finished.Select(s => RelativeGap(s.Objective, s.Exact)).ToArray();
        // How much of the gap to the bound is the bound's own slack, where the optimum is known.
        var slack = finished.Select(s => RelativeGap(s.Exact, s.LowerBound)).ToArray();
        return new GapReport(
            policy,
            samples.Count,
            admitting.Count,
            MeanOrNaN(admitting.Select(s => (double)s.Candidates)),
            MeanOrNaN(admitting.Select(s => (double)s.AdmitCount)),
            MeanOrNaN(boundGaps),
            Percentile.OfSorted(boundGaps, 50),
            Percentile.OfSorted(boundGaps, 90),
            boundGaps.Length == 0 ? double.NaN : boundGaps[^1],
            tried.Count,
            foundGaps.Count(g => g > 0),
            MeanOrNaN(foundGaps),
            foundGaps.Length == 0 ? double.NaN : foundGaps.Max(),
            finished.Count,
            admitting.Count == 0 ? double.NaN : (double)finished.Count / admitting.Count,
            MeanOrNaN(exactGaps),
            exactGaps.Length == 0 ? double.NaN : exactGaps.Max(),
            MeanOrNaN(slack),
            probeSeconds,
            wallSeconds);
    }

    private static double MeanOrNaN(IEnumerable<double> values)
    {
        var list = values as IReadOnlyCollection<double> ?? values.ToList();
        return list.Count == 0 ? double.NaN : list.Average();
    }
}
