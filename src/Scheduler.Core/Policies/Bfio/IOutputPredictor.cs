using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// Estimates how long requests keep decoding, as the expected KV load they will hold h = 0..H steps
/// ahead. A request holding s + gen tokens now holds s + gen + h at step h if it is still active then
/// (drift), and nothing once it has finished. Implementations differ only in what they know about o.
/// </summary>
public interface IOutputPredictor
{
    /// <summary>The name it was chosen by (--predictor).</summary>
    string Name { get; }

    /// <summary>False for the no-lookahead predictor: the policy then plans for h = 0 only.</summary>
    bool LooksAhead { get; }

    /// <summary>A new predictor configured like this one that has learned nothing (for warm-up runs).</summary>
    IOutputPredictor Fresh();

    /// <summary>Called once at the start of every policy call, before any projection.</summary>
    void BeginCall(ClusterView state);

    /// <summary>Called for every request the policy admits, right after <see cref="ClusterView.Admit"/>.</summary>
    void OnAdmitted(ClusterView state, int requestId);

    /// <summary>The finished request in <paramref name="slot"/> is about to be released (its slot reused): learn
    /// what there is to learn from it now and drop what is kept about it.</summary>
    void OnReleased(ClusterView state, int slot) { }

    /// <summary>Called before the first decision on <paramref name="state"/> (the policy's or router's Prepare): a
    /// predictor that keeps something per request slot sizes it for <see cref="ClusterView.SlotCapacity"/>, so that no
    /// admission inside a decision grows it.</summary>
    void Prepare(ClusterView state) { }

    /// <summary>Called after every step, outside any decision's time (the policy's or router's OnStepped): a predictor whose
    /// memory grows with the running requests' ages grows it here, ahead of the decisions that would reach it.</summary>
    void OnStepped(ClusterView state) { }

    /// <summary>
    /// Writes rank <paramref name="rank"/>'s expected load at h = 0..load.Length−1 (h = 0 is
    /// <see cref="ClusterView.Load"/>) from its active requests.
    /// </summary>
    void ProjectRank(ClusterView state, int rank, Span<double> load);

    /// <summary>
    /// <see cref="ProjectRank"/> at the steps ahead in <paramref name="rows"/> (ascending) only, densely:
    /// <paramref name="load"/>[k] is the load at h = rows[k]. The policy plans on a few rows of a long horizon, so neither
    /// the work nor the buffer grows with the horizon (life rows reach 16,384 steps on 16 rows).
    /// </summary>
    void ProjectRankRows(ClusterView state, int rank, ReadOnlySpan<int> rows, Span<double> load)
    {
        if (rows.IsEmpty) return;
        if (rows[^1] == rows.Length - 1)
        {
            // Every step from now (rows ascend from 0): the rows are the projection itself.
            ProjectRank(state, rank, load[..rows.Length]);
            return;
        }
        // Without a projection of its own on the rows: every step up to the last row, then the rows picked out.
        var full = new double[rows[^1] + 1];
        ProjectRank(state, rank, full);
        for (var k = 0; k < rows.Length; k++) load[k] = full[rows[k]];
    }

    /// <summary>
    /// Writes the expected load a queued request would add if admitted now (s + h while it is expected to be active) at
    /// the steps ahead in <paramref name="rows"/> (ascending), densely: <paramref name="load"/>[k] is the load at
    /// h = rows[k]. A long horizon is planned on a few rows, so a candidate's profile costs O(rows), not O(H).
    /// </summary>
    void ProjectCandidate(ClusterView state, int requestId, ReadOnlySpan<int> rows, Span<double> load);

    /// <summary>
    /// Where this predictor knows a distribution of o rather than one length (online): writes into
    /// <paramref name="loads"/>[k] the expected load rank <paramref name="rank"/>'s active requests hold
    /// <paramref name="steps"/>[k] steps from now (ascending), each request survival-weighted as in
    /// <see cref="ProjectRank"/>, and returns true. False where the predictor names one length per request: the expected
    /// load is then the one its <see cref="PredictedRemaining"/> lengths give, which the caller projects itself.
    /// </summary>
    bool ProjectRankExpected(ClusterView state, int rank, ReadOnlySpan<int> steps, Span<double> loads) => false;

    /// <summary>
    /// <see cref="ProjectRankExpected"/> for rank <paramref name="rank"/>'s active entries from <paramref name="from"/> on
    /// (in <see cref="ClusterView.ActiveRequests"/> order), added onto <paramref name="loads"/> entry by entry, as
    /// <see cref="ProjectRankExpected"/> adds them after clearing: on the sums of the entries before <paramref name="from"/>,
    /// taken at this step, it gives the same values to the last bit. A caller that kept a rank's sums can add a request the
    /// rank just admitted (the state appends it) instead of summing the whole rank again. False, loads untouched, where
    /// <see cref="ProjectRankExpected"/> is.
    /// </summary>
    bool AddRankExpected(ClusterView state, int rank, int from, ReadOnlySpan<int> steps, Span<double> loads) => false;

    /// <summary>
    /// A point estimate of the decode steps request <paramref name="requestId"/> has left from its age now (its whole
    /// output if not yet admitted), ≥ 1, or <see cref="Unknown"/> where the predictor cannot tell (it then plans the
    /// request as staying). An arrival router needs one length per request: it simulates when each rank's slots free,
    /// which an expected load curve does not say.
    /// </summary>
    int PredictedRemaining(ClusterView state, int requestId) => Unknown;

    /// <summary>
    /// Whether the policy may plan on this predictor's lengths as whole lives: each request's one length taken as the
    /// step it leaves (the oracle). Life rows and the mean life a full cluster turns over in read them; a predictor that
    /// knows only a distribution (online) or lengths blurred by noise plans on its horizon alone. False by default.
    /// </summary>
    bool PlansWholeLives => false;

    /// <summary>
    /// How many steps ahead this call's placement decides anything: the longest life it predicts among the queued
    /// <paramref name="candidates"/>, at most <paramref name="cap"/>. Past it no candidate holds load, so every placement
    /// leaves those rows alike. 0 where it plans no whole lives (<see cref="PlansWholeLives"/>: the policy then plans no
    /// rows past its horizon; see <see cref="BfioSettings.LifeRows"/>).
    /// </summary>
    int LongestLife(ClusterView state, ReadOnlySpan<int> candidates, int cap) => 0;

    /// <summary>
    /// γ ahead and the departures per step the cluster is headed for (see <see cref="LoadAhead"/>), from the running
    /// requests, the queued <paramref name="candidates"/> and the <paramref name="filling"/> free slots, filled by requests
    /// like the candidates (by this call or the next ones: in a backlog, every one). <see cref="LoadAhead.Unknown"/> where
    /// it does not name one length per request.
    /// </summary>
    LoadAhead Ahead(ClusterView state, ReadOnlySpan<int> candidates, int filling) => LoadAhead.Unknown;

    /// <summary>What <see cref="PredictedRemaining"/> answers for "stays as far as can be told".</summary>
    const int Unknown = int.MaxValue;
}
