using Scheduler.Core.Model;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// An analysis predictor, not a deployable one: it knows when every <em>running</em> request leaves (its true remaining
/// length, as the oracle) and nothing of the queued ones beyond what <see cref="OnlineSurvivalPredictor"/> learns from
/// finished requests. It measures what the online predictor lacks: with it, bfio sees exactly where the ranks' loads
/// will stand, but places each new request knowing only the learned distribution of its length. It is also the most a
/// predictor that refines its estimate as a request runs (reading the tokens generated so far) could give, with no
/// estimate at admission. On the comparison matrix it wins 161 of 216 cells against the length-free policies where the
/// online predictor wins 109 (docs/compare.md, "what the online predictor lacks").
/// </summary>
public sealed class RunningOraclePredictor : IOutputPredictor
{
    private readonly OraclePredictor _running = new();
    private readonly OnlineSurvivalPredictor _queued;

    public RunningOraclePredictor(double shrinkage = 20.0) => _queued = new OnlineSurvivalPredictor(shrinkage);

    public string Name => "running-oracle";
    public bool LooksAhead => true;
    public IOutputPredictor Fresh() => new RunningOraclePredictor();

    /// <summary>The queued half learns as the online predictor does, from finished requests.</summary>
    public void BeginCall(ClusterView state) => _queued.BeginCall(state);

    public void OnAdmitted(ClusterView state, int requestId) => _queued.OnAdmitted(state, requestId);

    public void OnReleased(ClusterView state, int slot) => _queued.OnReleased(state, slot);

    /// <summary>Running requests leave exactly when they will: the oracle's projection.</summary>
    public void ProjectRank(ClusterView state, int rank, Span<double> load) => _running.ProjectRank(state, rank, load);

    public void ProjectRankRows(ClusterView state, int rank, ReadOnlySpan<int> rows, Span<double> load) =>
        _running.ProjectRankRows(state, rank, rows, load);

    /// <summary>A queued request as the online predictor sees it: its survival-weighted load.</summary>
    public void ProjectCandidate(ClusterView state, int requestId, ReadOnlySpan<int> rows, Span<double> load) =>
        _queued.ProjectCandidate(state, requestId, rows, load);

    /// <summary>A running request's true remaining length; a queued one's learned mean life (Unknown before any has finished).</summary>
    public int PredictedRemaining(ClusterView state, int requestId) =>
        state.PhaseOf(requestId) == RequestPhase.Active
            ? _running.PredictedRemaining(state, requestId)
            : _queued.PredictedRemaining(state, requestId);
}
