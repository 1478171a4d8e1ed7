using Akka.Actor;
using Scheduler.Core.Model;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Results;

namespace Scheduler.Runtime.Messages;

// The run protocol: the balancer tells its monitor (the runner, or a probe in tests) how the run goes.
// Local only: these hold results and never cross nodes.

/// <summary>Progress so far: steps done, requests received, admitted and finished, queued, virtual clock.</summary>
public sealed record RuntimeProgress(int Step, int Received, int Admitted, int Finished, int Queued, double Clock)
    : INoSerializationVerificationNeeded;

/// <summary>The run ended: every request finished and the input is complete.</summary>
public sealed record RunCompleted(
    RunSummary Summary,
    IReadOnlyList<StepRecord> Steps,
    IReadOnlyList<Admission> Admissions,
    IReadOnlyList<CompletedRequest> Completed,
    int RankTimeouts) : INoSerializationVerificationNeeded;

/// <summary>The run stopped before its end, with why and the step it reached.</summary>
public sealed record RunFailed(string Reason, int Step) : INoSerializationVerificationNeeded;

/// <summary>Stop the run now (cancellation).</summary>
public sealed record CancelRun(string Reason) : INoSerializationVerificationNeeded;
