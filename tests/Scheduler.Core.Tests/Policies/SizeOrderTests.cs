using Scheduler.Core.Policies;

namespace Scheduler.Core.Tests.Policies;

/// <summary>bfio-ref's radix sort of its candidates must give exactly the packed keys' sorted order.</summary>
public sealed class SizeOrderTests
{
    [Theory]
    [InlineData(1, 255)]          // one byte of size: one pass
    [InlineData(2, 60_000)]       // two passes
    [InlineData(3, 9_000_000)]    // three passes
    [InlineData(4, 40_000_000)]   // past 2^24: the comparison sort
    public void Sorts_as_the_packed_keys_sort(int seed, int maxSize)
    {
        var random = new Random(seed);
        var order = new SizeOrder();
        for (var trial = 0; trial < 200; trial++)
        {
            var n = random.Next(0, 300);
            var keys = new long[n];
            for (var i = 0; i < n; i++)
            {
                // Repeated sizes and zeros, as queues hold.
                var size = random.Next(4) == 0 && i > 0 ? keys[random.Next(i)] >> 32 : random.Next(0, maxSize + 1);
                keys[i] = (size << 32) | (uint)i;
            }
            var expected = (long[])keys.Clone();
            Array.Sort(expected);

            order.Sort(keys);

            Assert.Equal(expected, keys);
        }
    }
}
