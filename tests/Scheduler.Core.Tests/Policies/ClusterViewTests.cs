using System.Reflection;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Policies;

/// <summary>Issue 12 point 6: policies read the cluster; the only change they can make is their decision, an admission.</summary>
public sealed class ClusterViewTests
{
    private static readonly string[] StateChangers =
        [nameof(ClusterState.AdvanceStep), nameof(ClusterState.ApplyStep), nameof(ClusterState.Release), nameof(ClusterState.AddRequest),
         nameof(ClusterState.RevealUpTo), nameof(ClusterState.RevealAll), nameof(ClusterState.RevealArrivedBy),
         nameof(ClusterState.AdvanceClockTo), nameof(ClusterState.CompactQueue), nameof(ClusterState.BeginPolicyCall)];

    [Fact]
    public void Policies_and_predictors_are_handed_the_view_not_the_state()
    {
        var callbacks = typeof(IPlacementPolicy).GetMethods().Concat(typeof(IOutputPredictor).GetMethods());
        foreach (var method in callbacks)
            Assert.All(method.GetParameters(), p => Assert.NotEqual(typeof(ClusterState), p.ParameterType));
        Assert.Equal(typeof(ClusterView), typeof(IPlacementPolicy).GetMethod(nameof(IPlacementPolicy.Place))!.GetParameters().Single().ParameterType);
    }

    [Fact]
    public void The_view_exposes_no_way_to_step_release_reveal_or_reach_the_state()
    {
        var view = typeof(ClusterView);
        Assert.True(view.IsSealed);
        Assert.Empty(view.GetConstructors(BindingFlags.Public | BindingFlags.Instance));
        var members = view.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static);
        Assert.DoesNotContain(members, m => StateChangers.Contains(m.Name));
        Assert.DoesNotContain(members.OfType<PropertyInfo>(), p => p.CanWrite || p.PropertyType == typeof(ClusterState));
        Assert.DoesNotContain(members.OfType<MethodInfo>(), m => m.ReturnType == typeof(ClusterState));
        // The one void method is the decision itself.
        Assert.Equal([nameof(ClusterView.Admit)], view.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.ReturnType == typeof(void) && !m.IsSpecialName).Select(m => m.Name));
    }

    [Fact]
    public void The_view_sees_the_state_as_it_changes_and_admits_through_its_checks()
    {
        var state = new ClusterState(new Workload([new Request(0, 10, 2, 2), new Request(1, 20, 2, 2)], "t"), new ClusterShape(2, 1));
        ClusterView view = state;
        state.RevealAll();
        view.Admit(0, 1);

        Assert.Same(state.View, view);
        Assert.Equal(10, view.Load(1));
        Assert.Equal(0, view.FreeSlots(1));
        Assert.Throws<InvalidOperationException>(() => view.Admit(1, 1));
    }
}
