namespace Scheduler.Decode.Tests.Decoding;

public class DecoderModelSpec
{
    private static readonly int[] Probe = [1, 4, 9, 16, 25, 36, 49];

    [Fact]
    public void Weights_come_from_the_seed_alone()
    {
        using var a = DecoderModel.Create(DecoderConfig.Tiny, seed: 5);
        using var b = DecoderModel.Create(DecoderConfig.Tiny, seed: 5);
        using var c = DecoderModel.Create(DecoderConfig.Tiny, seed: 6);
        Assert.Equal(CachedDecodeSpec.ArgMax(a.NextTokenLogits(Probe)), CachedDecodeSpec.ArgMax(b.NextTokenLogits(Probe)));
        Assert.All(a.NextTokenLogits(Probe).Zip(b.NextTokenLogits(Probe)), p => Assert.Equal(p.First, p.Second, 1e-5f));
        Assert.NotEqual(a.NextTokenLogits(Probe), c.NextTokenLogits(Probe));
    }

    [Fact]
    public void A_saved_model_loads_with_the_same_config_weights_and_logits()
    {
        var path = Path.Combine(Path.GetTempPath(), $"decoder-{Guid.NewGuid():N}.bin");
        try
        {
            var config = new DecoderConfig(Layers: 3, Width: 24, Heads: 3, Vocab: 50, MaxPositions: 40);
            using var saved = DecoderModel.Create(config, seed: 9);
            saved.Save(path);
            using var loaded = DecoderModel.Load(path);
            loaded.Save(path + ".again");

            Assert.Equal(config, loaded.Config);
            Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(path + ".again"));
            // Same weights; libtorch's kernels may still round differently with other buffer alignment.
            var want = saved.NextTokenLogits(Probe);
            var got = loaded.NextTokenLogits(Probe);
            Assert.All(want.Zip(got), p => Assert.Equal(p.First, p.Second, 1e-5f));
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".again");
        }
    }

    [Fact]
    public void Loading_a_truncated_or_foreign_file_fails_naming_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"decoder-{Guid.NewGuid():N}.bin");
        try
        {
            using (var model = DecoderModel.Create(DecoderConfig.Tiny, seed: 1)) model.Save(path);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            var truncated = Assert.Throws<InvalidDataException>(() => DecoderModel.Load(path));
            Assert.Contains(path, truncated.Message);

            File.WriteAllText(path, "not weights at all");
            Assert.Throws<InvalidDataException>(() => DecoderModel.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_engine_runs_on_weights_loaded_from_a_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"decoder-{Guid.NewGuid():N}.bin");
        try
        {
            using (var model = DecoderModel.Create(DecoderConfig.Tiny, seed: 4)) model.Save(path);
            var fromSeed = TorchDecodeOptions.Default.WithModel(DecoderConfig.Tiny).WithWeightSeed(4);
            using var a = new TorchDecodeEngine(fromSeed);
            using var b = new TorchDecodeEngine(fromSeed.WithWeightsPath(path).WithModel(DecoderConfig.Default));
            a.Admit(1, 20);
            b.Admit(1, 20);
            Assert.Equal(a.Step().Tokens.ToArray(), b.Step().Tokens.ToArray());
            Assert.Equal(DecoderConfig.Tiny, b.Model.Config); // the file's config wins
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Configs_that_cannot_be_built_are_refused()
    {
        Assert.Throws<ArgumentException>(() => DecoderConfig.Tiny.WithWidth(30, 4).Validate());
        Assert.Throws<ArgumentException>(() => DecoderConfig.Tiny.WithLayers(0).Validate());
        Assert.Throws<ArgumentException>(() => DecoderModel.Create(DecoderConfig.Tiny.WithVocab(1), seed: 1));
    }

    [Fact]
    public void Prompts_are_a_function_of_seed_request_and_length()
    {
        Assert.Equal(PromptGenerator.Tokens(7, 3, 50, 97), PromptGenerator.Tokens(7, 3, 50, 97));
        Assert.NotEqual(PromptGenerator.Tokens(7, 3, 50, 97), PromptGenerator.Tokens(7, 4, 50, 97));
        Assert.All(PromptGenerator.Tokens(7, 3, 500, 97), t => Assert.InRange(t, 0, 96));
        Assert.Equal(PromptGenerator.Tokens(7, 3, 50, 97)[..20], PromptGenerator.Tokens(7, 3, 20, 97));
    }
}
