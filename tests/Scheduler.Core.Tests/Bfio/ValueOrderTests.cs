using FsCheck;
using FsCheck.Fluent;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>The solver orders candidates by value through integer keys (<see cref="ValueOrder"/>): the keys must order
/// exactly as the values do, and equal values by index.</summary>
public sealed class ValueOrderTests
{
    private static readonly double[] Edges =
        [0.0, -0.0, 1.0, -1.0, double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue, 1e-300, -1e-300,
         double.PositiveInfinity, double.NegativeInfinity, 123_456.75, 123_456.75000000001];

    /// <summary>Property: for any two values (drawn from edge cases, from nearby doubles and from the full range), the larger
    /// has the smaller key, and equal values (−0 and +0 included) have equal keys.</summary>
    [Fact]
    public void Descending_keys_order_as_the_values_do_descending()
    {
        var gen = Gen.Choose(0, int.MaxValue - 1).Select(seed =>
        {
            var rng = new Random(seed);
            double Draw() => rng.Next(3) switch
            {
                0 => Edges[rng.Next(Edges.Length)],
                1 => Math.Round((rng.NextDouble() - 0.5) * 200) / 4, // few distinct values: ties are common
                _ => BitConverter.Int64BitsToDouble(rng.NextInt64()) is var d && double.IsNaN(d) ? 0.0 : d,
            };
            return (Draw(), Draw());
        });
        Prop.ForAll(gen.ToArbitrary(), pair =>
        {
            var (a, b) = pair;
            var ka = ValueOrder.DescendingKey(a);
            var kb = ValueOrder.DescendingKey(b);
            return a.CompareTo(b) == kb.CompareTo(ka) || (a == b && ka == kb);
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>Property: the sort gives the order of a stable sort by value, descending, then by index: on values with many
    /// ties (a few distinct values, −0 and +0 among them), on neighbouring doubles (differing in their lowest bytes only)
    /// and on values of both signs over many magnitudes.</summary>
    [Fact]
    public void Sorting_orders_by_value_descending_then_by_index()
    {
        Prop.ForAll(Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            var count = rng.Next(1, 600);
            var distinct = rng.Next(1, 12);
            var kind = rng.Next(3);
            var near = BitConverter.DoubleToInt64Bits(rng.NextDouble() * 1e6 + 1.0);
            var values = new double[count];
            for (var i = 0; i < count; i++)
            {
                var v = rng.Next(distinct) - distinct / 2;
                values[i] = kind switch
                {
                    0 => v == 0 && rng.Next(2) == 0 ? -0.0 : v * 1.5,
                    // Neighbouring doubles: they differ in their lowest bytes only, some equal.
                    1 => BitConverter.Int64BitsToDouble(near + rng.Next(0, 3 * count)),
                    _ => (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-3, 9)),
                };
            }
            var order = new int[count];
            ValueOrder.Sort(values, new ulong[2 * count], new int[count], order);
            var expected = Enumerable.Range(0, count).OrderByDescending(i => values[i]).ThenBy(i => i);
            return order.SequenceEqual(expected);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Minus_zero_and_plus_zero_share_a_key() =>
        Assert.Equal(ValueOrder.DescendingKey(0.0), ValueOrder.DescendingKey(-0.0));
}
