using Scheduler.Core.Model;

namespace Scheduler.Core.Tests.Simulation;

/// <summary>
/// Admissions happen inside a policy's decision, so a state made for its cluster admits without allocating: its
/// per-step bookkeeping (the requests due at each step, the admissions of the step) is sized for G·B active requests
/// when it is made, not grown by the call that first needs it.
/// </summary>
public sealed class AdmissionAllocationTests
{
    [Fact]
    public void Filling_every_slot_with_requests_due_at_distinct_steps_allocates_nothing()
    {
        var shape = new ClusterShape(16, 24);
        var slots = shape.Ranks * shape.BatchSize;
        // Every request due at a step of its own: the most steps a full cluster can have due at once.
        var requests = Enumerable.Range(0, slots).Select(i => new Request(i, 100 + i % 50, 1 + i, 1 + i)).ToArray();
        ClusterState state = null!;
        var queue = Array.Empty<int>();
        // Each try a fresh state: a map grown by the admissions would allocate in every try.
        ThreadAllocations.AssertNone(() =>
        {
            state = new ClusterState(new Workload(requests, "distinct-due-steps"), shape, recordAdmissions: false);
            state.RevealUpTo(slots);
            queue = state.Queue.ToArray();
            state.BeginPolicyCall();
            return () =>
            {
                for (var k = 0; k < queue.Length; k++) state.Admit(queue[k], k % shape.Ranks);
            };
        });

        Assert.Equal(slots, queue.Length);
        Assert.Equal(0, state.TotalFreeSlots());
    }
}
