namespace Scheduler.Decode.Tests.Decoding;

public class PlainDecodeLoopSpec
{
    [Fact]
    public void A_plain_loop_decodes_every_request_for_its_output_length_and_reports_rates()
    {
        DecodeRequest[] requests = [new(0, 30, 3), new(1, 5, 10), new(2, 70, 1), new(3, 12, 6), new(4, 40, 4), new(5, 9, 2)];
        var options = new PlainLoopOptions()
            .WithEngine(TorchDecodeOptions.Default.WithModel(DecoderConfig.Tiny))
            .WithBatchSize(4)
            .WithRequests(requests);

        var result = PlainDecodeLoop.Run(options);

        // B = 4: 0..3 start; 2 leaves after step 1 → 4 joins; 0 after 3 → 5 joins; 5 after 5, 3 after 6,
        // 4 after 1+4 = 5; 1 alone until step 10.
        Assert.Equal(10, result.Steps);
        Assert.Equal(requests.Sum(r => r.OutputTokens), result.Tokens);
        Assert.Equal(6, result.Requests);
        Assert.True(result.StepSeconds > 0 && result.StepCpuSeconds > 0 && result.PrefillSeconds > 0);
        Assert.True(result.WallSeconds >= result.StepSeconds + result.PrefillSeconds);
        Assert.Equal(result.Tokens / result.StepSeconds, result.TokensPerSecond, 1e-9);
        Assert.Equal(result.Steps / result.StepCpuSeconds, result.CpuStepsPerSecond, 1e-9);
        Assert.True(result.WallStepsPerSecond <= result.StepsPerSecond);
    }

    [Fact]
    public void Mixed_requests_are_reproducible_and_within_their_ranges()
    {
        var a = PlainLoopOptions.MixedRequests(50, seed: 2, minPrompt: 10, maxPrompt: 20, minOutput: 1, maxOutput: 3);
        Assert.Equal(a, PlainLoopOptions.MixedRequests(50, seed: 2, minPrompt: 10, maxPrompt: 20, minOutput: 1, maxOutput: 3));
        Assert.All(a, r => Assert.InRange(r.PromptTokens, 10, 20));
        Assert.All(a, r => Assert.InRange(r.OutputTokens, 1, 3));
        Assert.Equal(Enumerable.Range(0, 50), a.Select(r => r.Id));
    }
}
