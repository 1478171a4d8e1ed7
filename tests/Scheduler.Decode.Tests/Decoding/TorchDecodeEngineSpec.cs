namespace Scheduler.Decode.Tests.Decoding;

public class TorchDecodeEngineSpec
{
    private static TorchDecodeOptions Tiny => TorchDecodeOptions.Default.WithModel(DecoderConfig.Tiny);

    [Fact]
    public void Kv_tokens_are_prompts_plus_one_token_per_request_per_step()
    {
        using var engine = new TorchDecodeEngine(Tiny);
        engine.Admit(1, 10);
        engine.Admit(2, 25);
        Assert.Equal(35, engine.KvTokens);

        for (var s = 0; s < 5; s++) engine.Step();
        Assert.Equal(35 + 2 * 5, engine.KvTokens);

        engine.Admit(3, 7);
        var result = engine.Step();
        Assert.Equal(3, result.ActiveRequests);
        Assert.Equal(35 + 10 + 7, result.KvTokensBefore);
        Assert.Equal(35 + 10 + 7 + 3, engine.KvTokens);

        Assert.True(engine.Release(2));
        Assert.Equal(10 + 6 + 7 + 1, engine.KvTokens);
        Assert.Equal([1L, 3L], engine.ActiveRequestIds);
    }

    [Fact]
    public void A_step_returns_one_token_per_request_in_batch_order_and_its_measured_time()
    {
        using var engine = new TorchDecodeEngine(Tiny);
        engine.Admit(7, 5);
        engine.Admit(3, 9);

        var result = engine.Step();

        Assert.Equal([7L, 3L], result.Tokens.Select(t => t.RequestId));
        Assert.All(result.Tokens, t => Assert.InRange(t.TokenId, 0, DecoderConfig.Tiny.Vocab - 1));
        Assert.True(result.ComputeSeconds > 0);
        Assert.Equal(result.Tokens[0].TokenId, engine.Tokens(7)[^1]);
        Assert.Equal(5 + 2, engine.Tokens(7).Count); // prompt, admission's token, this step's token
    }

    [Fact]
    public void A_step_reports_the_decoding_threads_cpu_time_on_linux()
    {
        Assert.True(ThreadCpuClock.IsAvailable);
        using var engine = new TorchDecodeEngine(Tiny);
        engine.Admit(1, 50);
        var result = engine.Step();
        Assert.InRange(result.CpuSeconds, 1e-7, result.ComputeSeconds + 1e-3);
    }

    [Fact]
    public void The_same_seeds_decode_the_same_tokens()
    {
        int[][] Run()
        {
            using var engine = new TorchDecodeEngine(Tiny);
            engine.Admit(1, 12);
            engine.Admit(2, 40);
            for (var s = 0; s < 8; s++) engine.Step();
            return [engine.Tokens(1).ToArray(), engine.Tokens(2).ToArray()];
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Synthetic_prefill_holds_the_prompt_length_and_decodes_like_any_request()
    {
        using var engine = new TorchDecodeEngine(Tiny.WithPrefill(PrefillMode.Synthetic));
        engine.Admit(1, 100);
        engine.Admit(2, 3);
        Assert.Equal(103, engine.KvTokens);

        var result = engine.Step();

        Assert.Equal(2, result.Tokens.Length);
        Assert.Equal(105, engine.KvTokens);
    }

    [Fact]
    public void An_empty_engine_steps_without_work()
    {
        using var engine = new TorchDecodeEngine(Tiny);
        var result = engine.Step();
        Assert.Equal(0, result.ActiveRequests);
        Assert.Empty(result.Tokens);
    }

    [Fact]
    public void Bad_admissions_and_releases_are_refused_clearly()
    {
        using var engine = new TorchDecodeEngine(Tiny);
        engine.Admit(1, 4);
        Assert.Throws<InvalidOperationException>(() => engine.Admit(1, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.Admit(2, 0));
        var tooLong = Assert.Throws<ArgumentOutOfRangeException>(() => engine.Admit(3, DecoderConfig.Tiny.MaxPositions));
        Assert.Contains("request 3", tooLong.Message);
        Assert.False(engine.Release(99));
        Assert.Throws<KeyNotFoundException>(() => engine.Tokens(99));
    }

    [Fact]
    public void Decoding_past_the_models_positions_fails_naming_the_limit()
    {
        using var engine = new TorchDecodeEngine(Tiny);
        engine.Admit(1, DecoderConfig.Tiny.MaxPositions - 1);
        engine.Step(); // fills the last position
        var ex = Assert.Throws<InvalidOperationException>(() => engine.Step());
        Assert.Contains(DecoderConfig.Tiny.MaxPositions.ToString(), ex.Message);
        Assert.Equal(DecoderConfig.Tiny.MaxPositions, engine.KvTokens); // the failed step changed nothing
    }

    [Fact]
    public void Engines_can_share_one_model()
    {
        using var model = DecoderModel.Create(DecoderConfig.Tiny, seed: 1);
        using (var a = new TorchDecodeEngine(model, Tiny))
        {
            a.Admit(1, 5);
            a.Step();
        }
        using var b = new TorchDecodeEngine(model, Tiny);
        b.Admit(1, 5);
        Assert.Single(b.Step().Tokens); // the model outlived the first engine
    }
}
