using Scheduler.Runtime.Logic;
using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Tests.Logic;

public sealed class RankSequencesTests
{
    [Fact]
    public void The_engine_knows_requests_by_local_ids_and_the_balancer_hears_of_them_by_its_serials()
    {
        var sequences = new RankSequences();
        var a = sequences.Admit(new RankRequest(0, 100, 3, "a"));
        var b = sequences.Admit(new RankRequest(0, 50, 3, "b")); // a new balancer's serial 0 beside an old one's: no clash here

        Assert.NotEqual(a.Id, b.Id);
        Assert.Equal((100, 3, "a"), (a.PromptTokens, a.OutputTokens, a.Key));
        Assert.Equal([0L], sequences.Stepped([b.Id]).ToArray());
        Assert.Equal(1, sequences.Count);
    }

    [Fact]
    public void Each_request_is_listed_with_the_steps_it_has_been_decoded_and_renamed_on_adoption()
    {
        var sequences = new RankSequences();
        var a = sequences.Admit(new RankRequest(7, 100, 9, "a", 8));
        sequences.Stepped([]);
        var b = sequences.Admit(new RankRequest(8, 50, 9, "b", 5));
        sequences.Stepped([]);

        var listed = sequences.List();
        Assert.Equal([(a.Id, "a", 2), (b.Id, "b", 1)], listed.Select(q => (q.LocalId, q.Key, q.Generated)));
        Assert.Equal([8, 5], listed.Select(q => q.PredictedOutputTokens));

        sequences.Rename([a.Id, b.Id, 999], [0, 1, 2]);
        Assert.Equal([1L, 0L], sequences.Stepped([b.Id, a.Id]).ToArray());
    }

    [Fact]
    public void A_finish_the_rank_never_admitted_is_an_error()
    {
        var sequences = new RankSequences();
        Assert.Throws<InvalidOperationException>(() => sequences.Stepped([42]));
    }
}
