namespace Scheduler.Core.Model;

/// <summary>One placement decision: request <see cref="RequestId"/> entered rank <see cref="Rank"/> at
/// the policy call that ended step <see cref="Step"/> (0 = the initial call at clock 0).</summary>
public readonly record struct Admission(int Step, int RequestId, int Rank);
