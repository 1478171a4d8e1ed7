namespace Scheduler.Core.Policies.Routing;

/// <summary>
/// Pouring a mass onto the lowest of a set of levels until they stand level: the water level W with
/// Σ_i max(0, W − x_i) = mass. What a stream of requests does to ranks when each goes to the lowest.
/// </summary>
public static class WaterFill
{
    /// <summary>
    /// The level for <paramref name="mass"/> &gt; 0 over the <paramref name="count"/> values
    /// <paramref name="values"/>[first + i·stride]. A fixed point over the set of values under the level: start from
    /// all of them (the level is then their mean plus mass/count); each pass drops those at or above the level, which
    /// only lowers it, so it ends within count passes (two or three in practice), O(count) each, without sorting.
    /// </summary>
    public static double Level(ReadOnlySpan<double> values, int first, int stride, int count, double mass)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (!(mass > 0)) throw new ArgumentOutOfRangeException(nameof(mass), mass, "the mass poured must be positive");
        var total = 0.0;
        for (var i = 0; i < count; i++) total += values[first + i * stride];
        var level = (mass + total) / count;
        while (true)
        {
            var under = 0;
            var sum = 0.0;
            for (var i = 0; i < count; i++)
            {
                var value = values[first + i * stride];
                if (value < level)
                {
                    under++;
                    sum += value;
                }
            }
            // The lowest value is always under the level (the level exceeds every mean it is drawn from), so under ≥ 1.
            var next = (mass + sum) / under;
            if (next >= level) return level;
            level = next;
        }
    }
}
