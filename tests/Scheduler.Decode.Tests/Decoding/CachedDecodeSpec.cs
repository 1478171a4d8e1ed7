using Xunit.Abstractions;

namespace Scheduler.Decode.Tests.Decoding;

/// <summary>The KV-cached, batched, ragged decode step against recomputing every sequence from scratch.</summary>
public class CachedDecodeSpec(ITestOutputHelper output)
{
    private const float Tolerance = 1e-4f;

    private static TorchDecodeEngine TinyEngine(DecoderConfig? config = null) =>
        new(TorchDecodeOptions.Default.WithModel(config ?? DecoderConfig.Tiny).WithWeightSeed(3));

    [Fact]
    public void Cached_decode_gives_the_logits_and_tokens_of_full_recomputation_for_a_mixed_length_batch()
    {
        using var engine = TinyEngine();
        // Lengths from one token to past a prefill chunk (256) and across cache growth (64-position granules).
        int[] prompts = [1, 3, 17, 63, 64, 130, 300];
        for (var id = 0; id < prompts.Length; id++) engine.Admit(id, prompts[id]);

        var compared = 0;
        var worst = 0f;
        for (var step = 0; step < 12; step++)
        {
            if (step == 4) engine.Admit(100, 41);  // joins a batch already decoding
            if (step == 6) engine.Release(2);       // leaves mid-way; the others keep their caches
            // Expected logits for every active request from its tokens so far, without any cache.
            var expected = new Dictionary<long, float[]>();
            foreach (var id in engine.ActiveRequestIds) expected[id] = engine.Model.NextTokenLogits(engine.Tokens(id).ToArray());

            var actual = new Dictionary<long, float[]>();
            var result = engine.Step((id, logits) => actual[id] = logits);

            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (id, logits) in actual)
            {
                var want = expected[id];
                Assert.Equal(want.Length, logits.Length);
                for (var v = 0; v < want.Length; v++) worst = Math.Max(worst, Math.Abs(want[v] - logits[v]));
                Assert.Equal(ArgMax(want), result.Tokens.Single(t => t.RequestId == id).TokenId);
                compared++;
            }
        }
        output.WriteLine($"{compared} request-steps compared, largest logit difference {worst:G3}");
        Assert.True(worst <= Tolerance, $"largest logit difference {worst:G3} exceeds {Tolerance}");
        Assert.True(compared >= 80, $"only {compared} comparisons");
    }

    [Fact]
    public void Admission_picks_the_first_token_the_full_prompt_predicts()
    {
        using var engine = TinyEngine(DecoderConfig.Tiny.WithMaxPositions(1024));
        foreach (var (id, length) in new[] { (1, 1), (2, 255), (3, 256), (4, 257), (5, 700) })
        {
            var first = engine.Admit(id, length).FirstToken;
            var prompt = engine.Tokens(id).Take(length).ToArray();
            Assert.Equal(ArgMax(engine.Model.NextTokenLogits(prompt)), first);
        }
    }

    [Fact]
    public void Logits_depend_on_token_order_so_a_misplaced_cache_entry_would_show()
    {
        using var model = DecoderModel.Create(DecoderConfig.Tiny, seed: 3);
        var a = model.NextTokenLogits([5, 9, 11, 20]);
        var b = model.NextTokenLogits([9, 5, 11, 20]);
        Assert.True(a.Zip(b).Max(p => Math.Abs(p.First - p.Second)) > 100 * Tolerance);
    }

    internal static int ArgMax(float[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
