using Scheduler.Core.Model;
using Scheduler.Core.Traces;

namespace Scheduler.Core.Tests.Traces;

public sealed class TraceSamplerTests
{
    private static readonly Lazy<Workload> Azure = new(() => TraceReader.Read(RepoPaths.Data("traces/azure-llm-2023-conv.csv")));
    private static readonly Lazy<Workload> Burst = new(() => TraceReader.Read(RepoPaths.Data("traces/burstgpt-8000.json")));

    [Fact]
    public void Same_seed_gives_the_same_sample()
    {
        var a = TraceSampler.Sample(Burst.Value, 5_000, seed: 42);
        var b = TraceSampler.Sample(Burst.Value, 5_000, seed: 42);

        Assert.Equal(a.Requests, b.Requests);
    }

    [Fact]
    public void Different_seeds_give_different_samples()
    {
        var a = TraceSampler.Sample(Burst.Value, 5_000, seed: 42);
        var b = TraceSampler.Sample(Burst.Value, 5_000, seed: 7);

        Assert.NotEqual(a.Requests, b.Requests);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(20_000)]
    public void Count_is_honoured_and_ids_are_renumbered(int count)
    {
        var w = TraceSampler.Sample(Burst.Value, count, seed: 1);

        Assert.Equal(count, w.Count);
        TraceAssert.IdsAreInOrderAndArrivalsNeverDecrease(w);
    }

    [Fact]
    public void Drawing_more_than_the_source_holds_repeats_requests()
    {
        var source = new Workload([new Request(0, 10, 1, 1), new Request(1, 20, 2, 2)], "two");

        var w = TraceSampler.Sample(source, 1_000, seed: 3);

        Assert.All(w.Requests, r => Assert.Contains((r.PromptTokens, r.OutputTokens), new[] { (10, 1), (20, 2) }));
        Assert.InRange(w.Requests.Count(r => r.PromptTokens == 10), 400, 600);
    }

    [Fact]
    public void Untimed_source_gives_all_arrivals_zero()
    {
        var w = TraceSampler.Sample(Burst.Value, 2_000, seed: 5);

        Assert.All(w.Requests, r => Assert.Equal(0.0, r.ArrivalSeconds));
    }

    [Fact]
    public void Timed_source_keeps_drawn_arrivals_sorted_so_they_never_decrease()
    {
        var source = Azure.Value;
        var w = TraceSampler.Sample(source, 5_000, seed: 11);

        TraceAssert.IdsAreInOrderAndArrivalsNeverDecrease(w);
        Assert.Contains(w.Requests, r => r.ArrivalSeconds > 0);
        // Every drawn request keeps its own (arrival, prompt, output) triple from the source.
        var triples = source.Requests.Select(r => (r.ArrivalSeconds, r.PromptTokens, r.OutputTokens)).ToHashSet();
        Assert.All(w.Requests, r => Assert.Contains((r.ArrivalSeconds, r.PromptTokens, r.OutputTokens), triples));
    }

    [Fact]
    public void Equal_arrivals_keep_draw_order()
    {
        // Three requests at one instant: the stable sort leaves draws at equal time in the order drawn.
        var source = new Workload([new Request(0, 1, 1, 1, 0.0), new Request(1, 2, 2, 2, 5.0), new Request(2, 3, 3, 3, 5.0)], "tied");
        var random = new Random(9);
        var drawn = Enumerable.Range(0, 50).Select(_ => random.Next(3)).ToArray();
        var expected = drawn.Select((d, i) => (d, i)).OrderBy(x => source[x.d].ArrivalSeconds).Select(x => source[x.d].PromptTokens);

        var w = TraceSampler.Sample(source, 50, seed: 9);

        Assert.Equal(expected, w.Requests.Select(r => r.PromptTokens));
    }

    [Fact]
    public void Sample_rejects_a_non_positive_count()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TraceSampler.Sample(Burst.Value, 0, seed: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TraceSampler.Sample(Burst.Value, -5, seed: 1));
    }

    [Fact]
    public void Sample_rejects_an_empty_source() =>
        Assert.Throws<ArgumentException>(() => TraceSampler.Sample(new Workload([], "none"), 3, seed: 1));

    [Fact]
    public void Rescaling_by_two_halves_every_arrival()
    {
        var source = Azure.Value;

        var w = TraceSampler.RescaleArrivals(source, 2.0);

        Assert.Equal(source.Count, w.Count);
        for (var i = 0; i < w.Count; i++)
        {
            Assert.Equal(source[i].ArrivalSeconds / 2.0, w[i].ArrivalSeconds);
            Assert.Equal(source[i] with { ArrivalSeconds = 0 }, w[i] with { ArrivalSeconds = 0 });
        }
    }

    [Fact]
    public void Rescaling_by_a_half_doubles_the_gaps()
    {
        var source = new Workload([new Request(0, 1, 1, 1, 0.0), new Request(1, 1, 1, 1, 1.5)], "two");

        Assert.Equal(3.0, TraceSampler.RescaleArrivals(source, 0.5)[1].ArrivalSeconds);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Rescaling_rejects_a_non_positive_or_non_finite_scale(double scale) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TraceSampler.RescaleArrivals(Azure.Value, scale));
}
