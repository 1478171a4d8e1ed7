using Scheduler.Core.Policies.Routing;

namespace Scheduler.Core.Tests.Routing;

/// <summary>The water level: the mass poured lands exactly on the values below it, whatever their order or stride.</summary>
public sealed class WaterFillTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void The_mass_below_the_level_is_the_mass_poured(int seed)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 200; trial++)
        {
            var count = random.Next(1, 40);
            var stride = random.Next(1, 4);
            var values = new double[count * stride];
            for (var i = 0; i < values.Length; i++) values[i] = random.Next(3) == 0 ? 0.0 : random.NextDouble() * 10_000;
            var first = random.Next(stride);
            var mass = random.NextDouble() * 50_000 + 1e-3;

            var level = WaterFill.Level(values, first, stride, count, mass);

            var poured = Enumerable.Range(0, count).Sum(i => Math.Max(0.0, level - values[first + i * stride]));
            Assert.Equal(mass, poured, mass * 1e-9);
            Assert.True(level > Enumerable.Range(0, count).Min(i => values[first + i * stride]));
        }
    }

    [Fact]
    public void It_fills_the_lowest_first()
    {
        // 0, 100 and 1000: 150 raises the first two to 125 and leaves the third dry.
        Assert.Equal(125.0, WaterFill.Level([0.0, 100.0, 1000.0], 0, 1, 3, 150.0), 9);
        // Enough to cover all three: their mean after pouring.
        Assert.Equal(1100.0, WaterFill.Level([0.0, 100.0, 1000.0], 0, 1, 3, 2200.0), 9);
    }

    [Fact]
    public void Nothing_to_pour_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WaterFill.Level([1.0], 0, 1, 1, 0.0));
    }
}
