using System.Collections.Immutable;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Logic;

/// <summary>
/// The barrier's state: the step last opened, whether it is still open, the reports received for it (newest first,
/// with a bit per rank that has reported, so a report costs O(1) to take whatever G is), how many timeouts it has
/// had, and the run's counters. Immutable; <see cref="BarrierLogic"/> computes the next one.
/// </summary>
public sealed record BarrierState(
    int Ranks,
    int Step,
    bool Open,
    ImmutableArray<long> AdmittedThrough,
    ImmutableArray<AdmitRequests> Admissions,
    ImmutableStack<StepCompleted> Received,
    ImmutableArray<ulong> Reported,
    int ReceivedCount,
    int Attempt,
    BarrierStatistics Statistics)
{
    public static BarrierState Initial(int ranks, long epoch = 0) =>
        ranks > 0
            ? new(ranks, 0, false, ImmutableArray.Create(new long[ranks]), ImmutableArray<AdmitRequests>.Empty, ImmutableStack<StepCompleted>.Empty,
                NoneReported(ranks), 0, 0, BarrierStatistics.Zero) { Incarnations = ImmutableArray.Create(new long[ranks]), Epoch = epoch }
            : throw new ArgumentOutOfRangeException(nameof(ranks), ranks, "a barrier needs at least one rank");

    /// <summary>The balancer epoch this barrier ticks with; a report of another epoch is stale.</summary>
    public long Epoch { get; init; }

    /// <summary>Each rank's entity incarnation as last reported (0: not heard from yet), sent with its ticks so that a
    /// replacement entity knows it replaces a lost one.</summary>
    public ImmutableArray<long> Incarnations { get; init; }

    internal static ImmutableArray<ulong> NoneReported(int ranks) => ImmutableArray.Create(new ulong[(ranks + 63) / 64]);

    public bool HasReported(int rank) => (Reported[rank >> 6] & (1UL << (rank & 63))) != 0;

    /// <summary>Rank <paramref name="rank"/>'s report for the open (or last) step, if it came.</summary>
    public StepCompleted? ReportOf(int rank)
    {
        if (!HasReported(rank)) return null;
        foreach (var report in Received)
            if (report.Rank == rank) return report;
        return null;
    }

    /// <summary>Ranks that have not reported the open step, in rank order.</summary>
    public ImmutableArray<int> MissingRanks()
    {
        var missing = ImmutableArray.CreateBuilder<int>(Ranks - ReceivedCount);
        for (var g = 0; g < Ranks; g++)
            if (!HasReported(g)) missing.Add(g);
        return missing.ToImmutable();
    }
}

/// <summary>What the barrier actor must do after a transition.</summary>
public abstract record BarrierEvent
{
    /// <summary>Send <see cref="Tick"/>(step) to these ranks, each with its admissions of the step (if any).</summary>
    public sealed record TickRanks(int Step, ImmutableArray<int> Ranks, ImmutableArray<long> AdmittedThrough, ImmutableArray<AdmitRequests> Admissions)
        : BarrierEvent;

    /// <summary>Start (or restart) the timeout for this step's attempt.</summary>
    public sealed record ArmTimeout(int Step, int Attempt) : BarrierEvent;

    /// <summary>Tell the coordinator.</summary>
    public sealed record Notify(IBarrierMessage Message) : BarrierEvent;

    /// <summary>A completion was dropped; <see cref="Duplicate"/> tells a repeat from a wrong step or rank.</summary>
    public sealed record CompletionIgnored(StepCompleted Completion, bool Duplicate) : BarrierEvent;
}

/// <summary>
/// The step barrier as pure functions <c>(state, command) → (state, events)</c>: open a step and tick every
/// rank, collect exactly one completion per rank (stale and duplicate ones ignored and counted), close the
/// step with T = max_g t_g once all are in, and on a timeout report and re-tick the missing ranks.
/// </summary>
public static class BarrierLogic
{
    public static (BarrierState State, ImmutableArray<BarrierEvent> Events) Begin(BarrierState state, BeginStep command, bool armTimeout = true)
    {
        if (state.Open)
            return (state, [new BarrierEvent.Notify(new BeginStepRejected(command.Step, $"step {state.Step} is still open: {state.Ranks - state.ReceivedCount} rank(s) have not completed it"))]);
        if (command.Step != state.Step + 1)
            return (state, [new BarrierEvent.Notify(new BeginStepRejected(command.Step, $"steps go one at a time: expected step {state.Step + 1}"))]);
        if (command.AdmittedThrough.Length != state.Ranks)
            return (state, [new BarrierEvent.Notify(new BeginStepRejected(command.Step, $"admission counts name {command.AdmittedThrough.Length} ranks, the barrier has {state.Ranks}"))]);

        var next = state with
        {
            Step = command.Step,
            Open = true,
            AdmittedThrough = command.AdmittedThrough,
            Admissions = command.Admissions,
            Received = ImmutableStack<StepCompleted>.Empty,
            Reported = BarrierState.NoneReported(state.Ranks),
            ReceivedCount = 0,
            Attempt = 0,
            Statistics = state.Statistics with { Step = command.Step },
        };
        var everyRank = ImmutableArray.CreateRange(Enumerable.Range(0, state.Ranks));
        var tick = new BarrierEvent.TickRanks(command.Step, everyRank, command.AdmittedThrough, next.Admissions);
        return armTimeout
            ? (next, [tick, new BarrierEvent.ArmTimeout(command.Step, 0)])
            : (next, [tick]);
    }

    public static (BarrierState State, ImmutableArray<BarrierEvent> Events) Complete(BarrierState state, StepCompleted completion)
    {
        if ((uint)completion.Rank >= (uint)state.Ranks || completion.Step != state.Step || completion.Epoch != state.Epoch)
            return (state with { Statistics = state.Statistics with { StaleCompletions = state.Statistics.StaleCompletions + 1 } },
                [new BarrierEvent.CompletionIgnored(completion, Duplicate: false)]);
        if (state.HasReported(completion.Rank))
            return (state with { Statistics = state.Statistics with { DuplicateCompletions = state.Statistics.DuplicateCompletions + 1 } },
                [new BarrierEvent.CompletionIgnored(completion, Duplicate: true)]);

        var word = completion.Rank >> 6;
        var reported = state.Reported.SetItem(word, state.Reported[word] | (1UL << (completion.Rank & 63)));
        if (state.Incarnations[completion.Rank] != completion.Incarnation)
            state = state with { Incarnations = state.Incarnations.SetItem(completion.Rank, completion.Incarnation) };
        var received = state.Received.Push(completion);
        var count = state.ReceivedCount + 1;
        if (count < state.Ranks)
            return (state with { Received = received, Reported = reported, ReceivedCount = count }, ImmutableArray<BarrierEvent>.Empty);

        // All in: the step lasts as long as its slowest rank; idle is summed in rank order like the simulator's.
        var ordered = new StepCompleted[state.Ranks];
        foreach (var report in received) ordered[report.Rank] = report;
        var duration = 0.0;
        foreach (var report in ordered)
            if (report.ComputeSeconds > duration) duration = report.ComputeSeconds;
        var idle = 0.0;
        foreach (var report in ordered) idle += duration - report.ComputeSeconds;

        var closed = state with
        {
            Open = false,
            Received = received,
            Reported = reported,
            ReceivedCount = count,
            Statistics = state.Statistics with { StepsClosed = state.Statistics.StepsClosed + 1 },
        };
        return (closed, [new BarrierEvent.Notify(new StepBarrierPassed(state.Step, duration, idle, ImmutableArray.Create(ordered)))]);
    }

    /// <summary>A host's batch of reports (<see cref="HostStepCompleted"/>): each counts as the completion it carries, in
    /// order, exactly as if it had come alone.</summary>
    public static (BarrierState State, ImmutableArray<BarrierEvent> Events) CompleteAll(BarrierState state, ImmutableArray<StepCompleted> completions)
    {
        ImmutableArray<BarrierEvent>.Builder? events = null;
        foreach (var completion in completions)
        {
            (state, var more) = Complete(state, completion);
            if (more.IsEmpty) continue;
            events ??= ImmutableArray.CreateBuilder<BarrierEvent>();
            events.AddRange(more);
        }
        return (state, events?.ToImmutable() ?? ImmutableArray<BarrierEvent>.Empty);
    }

    /// <summary>A cluster member left or was downed: the open step's missing ranks may have lived there, and their
    /// shards move to a surviving host on the next message. Tick them again now rather than at the step's timeout
    /// (the attempt count is not spent: nothing timed out).</summary>
    public static (BarrierState State, ImmutableArray<BarrierEvent> Events) MemberLost(BarrierState state) =>
        state.Open && state.ReceivedCount < state.Ranks
            ? (state, [new BarrierEvent.TickRanks(state.Step, state.MissingRanks(), state.AdmittedThrough, state.Admissions)])
            : (state, ImmutableArray<BarrierEvent>.Empty);

    /// <summary>The timeout of <paramref name="step"/>'s attempt <paramref name="attempt"/> elapsed; a stale timer does nothing.</summary>
    public static (BarrierState State, ImmutableArray<BarrierEvent> Events) TimeoutElapsed(
        BarrierState state, int step, int attempt, int maxTimeouts, bool retickMissing)
    {
        if (!state.Open || step != state.Step || attempt != state.Attempt)
            return (state, ImmutableArray<BarrierEvent>.Empty);

        var missing = state.MissingRanks();
        var nextAttempt = attempt + 1;
        var gaveUp = maxTimeouts > 0 && nextAttempt >= maxTimeouts;
        var next = state with
        {
            Attempt = nextAttempt,
            Statistics = state.Statistics with { Timeouts = state.Statistics.Timeouts + 1 },
        };
        var events = ImmutableArray.CreateBuilder<BarrierEvent>(3);
        events.Add(new BarrierEvent.Notify(new RanksMissing(step, missing, nextAttempt, gaveUp)));
        if (!gaveUp)
        {
            // A tick may have been lost; a rank that already stepped answers a repeated tick with its report again.
            if (retickMissing) events.Add(new BarrierEvent.TickRanks(step, missing, state.AdmittedThrough, state.Admissions));
            events.Add(new BarrierEvent.ArmTimeout(step, nextAttempt));
        }
        return (next, events.ToImmutable());
    }
}
