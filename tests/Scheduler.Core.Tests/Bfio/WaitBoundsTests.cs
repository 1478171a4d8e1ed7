using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>The wait bounds scale with how fast slots turn over, and the aging grace keeps its ratio to them.</summary>
public sealed class WaitBoundsTests
{
    private static readonly BfioSettings Settings = new() { MaxWaitSteps = 128, AgingSteps = 96, MaxWaitTurnovers = 12.0 };

    [Fact]
    public void Before_anything_is_admitted_the_bound_is_in_steps()
    {
        var bounds = new WaitBounds(Settings);
        bounds.Update(step: 0, active: 0, admitted: 0);
        Assert.Equal(128, bounds.MaxWait);
        Assert.Equal(96, bounds.AgingSteps);
        bounds.Update(step: 40, active: 500, admitted: 0);
        Assert.Equal(128, bounds.MaxWait);
    }

    [Fact]
    public void Slow_turnover_stretches_the_bound_and_the_grace_with_it()
    {
        var bounds = new WaitBounds(Settings);
        bounds.Update(step: 10, active: 0, admitted: 0);
        // 50 steps, 100 admitted, 200 running: τ = 200 × 50 / 100 = 100 steps; 12 turnovers = 1,200 steps.
        bounds.Update(step: 60, active: 200, admitted: 100);
        Assert.Equal(1200, bounds.MaxWait);
        Assert.Equal(900, bounds.AgingSteps);   // 96 / 128 of it
        Assert.False(bounds.IsOverdue(1199));
        Assert.True(bounds.IsOverdue(1200));
    }

    [Fact]
    public void Fast_turnover_never_shortens_the_bound_below_its_steps()
    {
        var bounds = new WaitBounds(Settings);
        bounds.Update(step: 0, active: 0, admitted: 0);
        bounds.Update(step: 100, active: 10, admitted: 1000);   // τ = 1 step
        Assert.Equal(128, bounds.MaxWait);
    }

    [Fact]
    public void The_aging_bonus_ramps_from_the_grace_to_twice_it()
    {
        var bounds = new WaitBounds(Settings);
        bounds.Update(step: 0, active: 0, admitted: 0);
        Assert.False(bounds.EarnsAging(96));
        Assert.True(bounds.EarnsAging(97));
        Assert.Equal(0.5, bounds.AgingRamp(144), 1e-12);
        Assert.Equal(1.0, bounds.AgingRamp(192), 1e-12);
        Assert.Equal(1.0, bounds.AgingRamp(1000), 1e-12);
        var none = new WaitBounds(Settings with { AgingSteps = 0 });
        none.Update(step: 0, active: 0, admitted: 0);
        Assert.False(none.EarnsAging(10_000));
        Assert.Equal(0.0, none.AgingRamp(10_000));
        Assert.Equal(0.0, bounds.AgingRamp(96));
    }
}
