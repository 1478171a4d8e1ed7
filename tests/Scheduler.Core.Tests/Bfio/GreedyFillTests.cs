using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>
/// The solver's greedy fill alone (no exchanges): which rank takes the next request, and how much room it keeps for the
/// requests it must still take.
/// </summary>
public sealed class GreedyFillTests
{
    /// <summary>One row; each rank's load and free slots; <paramref name="admit"/> requests (one unless said) to admit from
    /// <paramref name="sizes"/>, the first <paramref name="mandatory"/> of them mandatory.</summary>
    private static PlacementProblem OneToAdmit((double Load, int Free)[] ranks, double[] sizes, bool refilledNextStep,
        int admit = 1, int mandatory = 0)
    {
        var p = new PlacementProblem();
        p.Reset(ranks.Length, rows: 1, candidates: sizes.Length);
        p.Weights[0] = 1.0;
        for (var g = 0; g < ranks.Length; g++)
        {
            p.BaseColumn(g)[0] = ranks[g].Load;
            p.Free(g) = ranks[g].Free;
        }
        for (var i = 0; i < sizes.Length; i++) p.Profile(i)[0] = sizes[i];
        for (var i = 0; i < mandatory; i++) p.Mandatory(i) = true;
        p.AdmitCount = admit;
        p.RefilledNextStep = refilledNextStep;
        p.Seal();
        return p;
    }

    private static int[] GreedyOnly(PlacementProblem p)
    {
        var rankOf = new int[p.Candidates];
        new GreedyExchangeSolver { ExactPolish = false, MaxSweeps = 0 }.Solve(p, rankOf);
        return rankOf;
    }

    /// <summary>
    /// Rank 0 is empty with five free slots, rank 1 at the envelope (1,000) with five; one request goes in. With nothing
    /// else arrived the other ranks could take any more, so rank 0 must take nothing after it and keeps no room back: the
    /// largest request that fits under the envelope, 950, fills it. When the next call refills the free slots, rank 0
    /// must take four more, keeps room for four of the smallest (100 each) and, with 600 left, takes 900.
    /// </summary>
    [Fact]
    public void A_rank_keeps_room_only_for_the_requests_it_must_still_take()
    {
        (double, int)[] ranks = [(0, 5), (1000, 5)];
        double[] sizes = [900, 100, 950];
        Assert.Equal([-1, -1, 0], GreedyOnly(OneToAdmit(ranks, sizes, refilledNextStep: false)));
        Assert.Equal([0, -1, -1], GreedyOnly(OneToAdmit(ranks, sizes, refilledNextStep: true)));
    }

    /// <summary>
    /// Rank 0 holds 0 tokens and has 2 free slots, rank 1 holds 500 and has 5, rank 2 is the envelope (1,000) and full.
    /// With nothing else arrived, the slots left free stay free: the least loaded rank takes first, and the 900-token
    /// request fills it to just under the envelope. When more requests have arrived than the queue shows, the slots are
    /// filled at the next call anyway, and the rank with the most free slots takes first: the 400-token one fits it.
    /// </summary>
    [Fact]
    public void When_free_slots_stay_free_the_least_loaded_rank_takes_first()
    {
        (double, int)[] ranks = [(0, 2), (500, 5), (1000, 0)];
        double[] sizes = [400, 900];
        Assert.Equal([-1, 0], GreedyOnly(OneToAdmit(ranks, sizes, refilledNextStep: false)));
        Assert.Equal([1, -1], GreedyOnly(OneToAdmit(ranks, sizes, refilledNextStep: true)));
    }

    /// <summary>
    /// Least loaded first stops at an equal count: rank 0 (100 tokens) has one free slot left, so it already holds more
    /// requests than ranks 1 and 2 (six free each) would after this call, and rank 1, the least loaded under the cap,
    /// takes the request.
    /// </summary>
    [Fact]
    public void Least_loaded_first_keeps_request_counts_even()
    {
        var p = OneToAdmit([(100, 1), (200, 6), (1000, 6)], [300], refilledNextStep: false);
        Assert.Equal([1], GreedyOnly(p));
    }

    /// <summary>
    /// The fill keeps each row's maximum as it admits. Rank 2 (100 tokens, full) is the envelope; a mandatory 1,000-token
    /// request goes first, to rank 0, and raises it to 1,000. Rank 1 (empty) then has 1,000 tokens of room: the 900-token
    /// request fits and is worth more than the 200-token one. Costed against the envelope as it stood before the fill
    /// (100), the 900-token request would overshoot by 800 and the 200-token one be taken instead.
    /// </summary>
    [Fact]
    public void An_admission_above_the_envelope_raises_it_for_the_picks_after_it()
    {
        var p = OneToAdmit([(0, 1), (0, 1), (100, 0)], [1000, 900, 200], refilledNextStep: true, admit: 2, mandatory: 1);
        Assert.Equal([0, 1, -1], GreedyOnly(p));
    }
}
