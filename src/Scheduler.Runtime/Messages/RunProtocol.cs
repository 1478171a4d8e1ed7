using Akka.Actor;
using Scheduler.Core.Model;
using Scheduler.Core.Simulation;

namespace Scheduler.Runtime.Messages;

// The run protocol: the balancer tells its monitor (the runner or the service host, or a probe in tests) how the
// run or service goes, and the host tells the balancer when to give up what it holds. Local only.

/// <summary>Progress so far: steps done, requests received, admitted and finished, queued, clock.</summary>
public sealed record RuntimeProgress(int Step, long Received, long Admitted, long Finished, int Queued, double Clock)
    : INoSerializationVerificationNeeded;

/// <summary>A replay ended: every request finished, its result written, and the input is complete. The final state
/// holds every request's times (slot = request index).</summary>
public sealed record RunCompleted(
    RunSummary Summary,
    IReadOnlyList<StepRecord> Steps,
    IReadOnlyList<Admission> Admissions,
    ClusterState FinalState,
    int RankTimeouts) : INoSerializationVerificationNeeded;

/// <summary>The run or service stopped before its end, with why and the step it reached.</summary>
public sealed record RunFailed(string Reason, int Step) : INoSerializationVerificationNeeded;

/// <summary>A live service's input ended and every request it took has its result written.</summary>
public sealed record ServiceFinished(int Step) : INoSerializationVerificationNeeded;

/// <summary>Stop now: give every request without a result back to its ingress (shutdown). Answered with <see cref="UnfinishedReturned"/>.</summary>
public sealed record ReturnUnfinished : INoSerializationVerificationNeeded
{
    public static readonly ReturnUnfinished Instance = new();
}

/// <summary>This many unfinished requests were given back to their source or reported failed.</summary>
public sealed record UnfinishedReturned(int Count) : INoSerializationVerificationNeeded;

/// <summary>Stop the run now (cancellation).</summary>
public sealed record CancelRun(string Reason) : INoSerializationVerificationNeeded;
