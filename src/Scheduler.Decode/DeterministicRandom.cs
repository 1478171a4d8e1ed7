namespace Scheduler.Decode;

/// <summary>
/// SplitMix64: the same numbers on every machine and every libtorch version, so weights and prompts depend on
/// the seed alone (torch's own generators are free to change between releases).
/// </summary>
internal struct DeterministicRandom(ulong seed)
{
    private ulong _state = seed;

    public static DeterministicRandom For(long seed, long stream) =>
        new(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)stream * 0xD1B54A32D192ED03UL));

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound).</summary>
    public int NextInt(int bound) => (int)(Next() % (ulong)bound);

    /// <summary>Uniform in [-1, 1).</summary>
    public float NextSigned() => (float)((Next() >> 40) * (1.0 / (1UL << 23)) - 1.0);
}
