using Scheduler.Core.Model;
using Scheduler.Core.Policies;

namespace Scheduler.Core.Tests.Production;

/// <summary>A small hand-built cluster for policy tests, with a Place that checks every call is feasible.</summary>
internal sealed class TestCluster
{
    private readonly List<int> _finished = [];

    public TestCluster(int ranks, int batchSize, params (int Prompt, int Output)[] requests)
    {
        var list = new Request[requests.Length];
        for (var i = 0; i < requests.Length; i++)
            list[i] = new Request(i, requests[i].Prompt, requests[i].Output, requests[i].Output);
        State = new ClusterState(new Workload(list, "test"), new ClusterShape(ranks, batchSize));
    }

    /// <summary>Requests with the given prompts and a long output (1000 tokens).</summary>
    public static TestCluster WithPrompts(int ranks, int batchSize, params int[] prompts) =>
        new(ranks, batchSize, prompts.Select(p => (p, 1000)).ToArray());

    public ClusterState State { get; }

    /// <summary>Setup, not a policy: reveals the next requests and admits the i-th to ranks[i].</summary>
    public void Activate(params int[] ranks)
    {
        Assert.Equal(0, State.QueueCount);
        State.RevealUpTo(ranks.Length);
        var queue = State.Queue.ToArray();
        for (var i = 0; i < ranks.Length; i++) State.Admit(queue[i], ranks[i]);
        State.CompactQueue();
    }

    /// <summary>Reveals the next <paramref name="count"/> requests into the queue.</summary>
    public void Enqueue(int count) => State.RevealUpTo(State.QueueCount + count);

    /// <summary>One decode step of <paramref name="seconds"/>; requests that reach their output finish.</summary>
    public void Step(double seconds = 0.1, int times = 1)
    {
        for (var i = 0; i < times; i++) State.AdvanceStep(seconds, _finished);
    }

    /// <summary>Calls the policy, checks the call was feasible, drops the admitted from the queue and
    /// returns the admissions in the order the policy made them.</summary>
    public Admission[] Place(IPlacementPolicy policy, bool workConserving = true)
    {
        var queued = State.Queue.ToArray();
        var freeBefore = new int[State.Ranks];
        for (var g = 0; g < State.Ranks; g++) freeBefore[g] = State.FreeSlots(g);
        var before = State.Admissions.Count;

        policy.Place(State);

        var placed = State.Admissions.Skip(before).ToArray();
        var perRank = new int[State.Ranks];
        var seen = new HashSet<int>();
        foreach (var a in placed)
        {
            Assert.Contains(a.RequestId, queued);
            Assert.True(seen.Add(a.RequestId), $"request {a.RequestId} admitted twice");
            Assert.InRange(a.Rank, 0, State.Ranks - 1);
            Assert.Equal(a.Rank, State.RankOf(a.RequestId));
            perRank[a.Rank]++;
        }
        for (var g = 0; g < State.Ranks; g++)
        {
            Assert.True(perRank[g] <= freeBefore[g], $"rank {g} got {perRank[g]} with {freeBefore[g]} free");
            Assert.InRange(State.ActiveCount(g), 0, State.BatchSize);
        }
        if (workConserving)
            Assert.True(placed.Length == queued.Length || State.TotalFreeSlots() == 0,
                $"{policy.Name} left {queued.Length - placed.Length} queued with {State.TotalFreeSlots()} free slots");
        else if (queued.Length > 0 && freeBefore.Sum() > 0)
            Assert.NotEmpty(placed);

        State.CompactQueue();
        Assert.Equal(queued.Where(id => !seen.Contains(id)), State.Queue.ToArray());
        return placed;
    }

    public static int[] Ranks(Admission[] placed) => placed.Select(a => a.Rank).ToArray();
}
