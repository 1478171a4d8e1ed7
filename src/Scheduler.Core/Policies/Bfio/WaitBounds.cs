namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// How long a request may wait before bfio must admit it, and after how long it earns the aging bonus. A wait is long or
/// short only against how fast slots turn over: 128 steps are two mean lifetimes of a burst request but half of a
/// long-context one, and forcing a 100k-token prompt in before any rank has drained room for it lifts one rank far above
/// the rest. So the hard bound is the larger of <see cref="BfioSettings.MaxWaitSteps"/> and
/// <see cref="BfioSettings.MaxWaitTurnovers"/> turnovers, τ being the mean lifetime of a request by Little's law (requests
/// active ÷ admissions per step, over the policy's calls); the aging grace keeps its ratio to the bound. Predictor-free:
/// it counts, it reads no lengths.
/// </summary>
internal sealed class WaitBounds(BfioSettings settings)
{
    private int _firstStep = -1;

    /// <summary>A request queued this many steps must be admitted at this call.</summary>
    public int MaxWait { get; private set; } = settings.MaxWaitSteps;

    /// <summary>Past this many steps queued a request earns the aging bonus; 0: no aging.</summary>
    public int AgingSteps { get; private set; } = settings.AgingSteps;

    /// <summary>The bounds of the call at <paramref name="step"/>, with <paramref name="active"/> requests running and
    /// <paramref name="admitted"/> admitted by the policy since its first call.</summary>
    public void Update(int step, long active, long admitted)
    {
        if (_firstStep < 0) _firstStep = step;
        MaxWait = settings.MaxWaitSteps;
        var steps = step - _firstStep;
        if (settings.MaxWaitTurnovers > 0 && steps > 0 && admitted > 0)
        {
            var turnover = active * (double)steps / admitted;
            MaxWait = (int)Math.Min(int.MaxValue / 2, Math.Max(settings.MaxWaitSteps, Math.Ceiling(settings.MaxWaitTurnovers * turnover)));
        }
        AgingSteps = settings.AgingSteps == 0 ? 0
            : (int)Math.Max(1, Math.Round((double)settings.AgingSteps * MaxWait / settings.MaxWaitSteps));
    }

    /// <summary>Whether a request queued <paramref name="age"/> steps must be admitted now.</summary>
    public bool IsOverdue(int age) => age >= MaxWait;

    /// <summary>Whether a request queued <paramref name="age"/> steps is past its aging grace.</summary>
    public bool EarnsAging(int age) => AgingSteps > 0 && age > AgingSteps;

    /// <summary>How much of the aging bonus a request queued <paramref name="age"/> steps earns: 0 within its grace (or
    /// without aging), then rising to 1 over as many steps again as the grace.</summary>
    public double AgingRamp(int age) => EarnsAging(age) ? Math.Min(1.0, (double)(age - AgingSteps) / AgingSteps) : 0.0;
}
