namespace Scheduler.Decode;

/// <summary>Prompt token ids for a request: a pure function of (seed, request id, length), uniform over the vocabulary.</summary>
public static class PromptGenerator
{
    public static int[] Tokens(long seed, long requestId, int length, int vocab)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        var random = DeterministicRandom.For(seed, requestId);
        var tokens = new int[length];
        for (var i = 0; i < tokens.Length; i++) tokens[i] = random.NextInt(vocab);
        return tokens;
    }
}
