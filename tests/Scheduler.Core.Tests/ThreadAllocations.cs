namespace Scheduler.Core.Tests;

/// <summary>
/// Bytes a piece of work allocates on the calling thread, measured so that the runtime's own allocations do not count
/// against the code under test. While a hot method is recompiled (tiered compilation, on-stack replacement) the runtime
/// may allocate a few KB on the thread running it, once, under a loaded test run: a solve that allocates nothing read
/// 7,248 bytes in one CI run of the whole suite and 0 in every run before and after. An allocation of the code under
/// test recurs every time, so the work is measured up to <c>tries</c> times, each after a fresh setup, until one reads 0.
/// </summary>
internal static class ThreadAllocations
{
    /// <summary>
    /// The bytes each try allocated while running the work <paramref name="setUp"/> returns (the setup itself is not
    /// measured), stopping at the first try that allocated nothing. Assert on the last: 0 unless every try allocated.
    /// </summary>
    public static IReadOnlyList<long> Measure(Func<Action> setUp, int tries = 3)
    {
        var measured = new List<long>(tries);
        for (var t = 0; t < tries && (measured.Count == 0 || measured[^1] != 0); t++)
        {
            var work = setUp();
            var before = GC.GetAllocatedBytesForCurrentThread();
            work();
            measured.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return measured;
    }

    /// <summary>Asserts that a try of the work allocated nothing, naming what each try allocated if none did.</summary>
    public static void AssertNone(Func<Action> setUp, int tries = 3)
    {
        var measured = Measure(setUp, tries);
        Assert.True(measured[^1] == 0, $"bytes allocated by each try: {string.Join(", ", measured)}");
    }
}
