using Scheduler.Core.CostModels;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Logic;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Tests.Logic;

/// <summary>
/// Drives a <see cref="PlacementLoop"/> to its end without actors: requests are handed over only when the loop
/// asks for input, <paramref name="chunk"/> at a time (the stingiest stream possible), ranks are cost-model
/// engines and the barrier is <see cref="BarrierLogic"/>, with reports delivered in reverse rank order.
/// </summary>
internal static class LoopDriver
{
    public static PlacementLoop Run(Workload workload, IPlacementPolicy policy, ClusterShape shape, ArrivalMode arrivals, int chunk)
    {
        var cost = ReferenceLinearCost.ForBatch(shape.BatchSize);
        var loop = new PlacementLoop(shape, policy, arrivals, workload.Count);
        var engines = Enumerable.Range(0, shape.Ranks).Select(_ => new CostModelEngine(cost, shape.BatchSize)).ToArray();
        var barrier = BarrierState.Initial(shape.Ranks);
        var next = 0;
        while (true)
        {
            switch (loop.Advance())
            {
                case LoopAction.NeedInput:
                    if (next == workload.Count)
                    {
                        loop.CompleteInput();
                        break;
                    }
                    for (var i = 0; i < chunk && next < workload.Count; i++, next++)
                        loop.Add(new IngestedRequest(workload[next], next, next + 1));
                    break;

                case LoopAction.RunStep step:
                    foreach (var admit in step.Admissions)
                        foreach (var r in admit.Requests) engines[admit.Rank].Admit(r);
                    barrier = BarrierLogic.Begin(barrier, new BeginStep(step.Step, step.AdmittedThrough)).State;
                    StepBarrierPassed? passed = null;
                    for (var g = shape.Ranks - 1; g >= 0; g--)
                    {
                        var (active, load) = (engines[g].ActiveCount, engines[g].Load);
                        var result = engines[g].StepAsync(CancellationToken.None).Result;
                        (barrier, var events) = BarrierLogic.Complete(barrier, new StepCompleted(g, step.Step, result.ComputeSeconds, active, load, result.Finished));
                        if (events.FirstOrDefault() is BarrierEvent.Notify { Message: StepBarrierPassed p }) passed = p;
                    }
                    loop.ApplyStep(passed!);
                    break;

                case LoopAction.Finished:
                    return loop;
            }
        }
    }
}
