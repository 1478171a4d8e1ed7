using System.Runtime.CompilerServices;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// Light-first selection's choice: which <c>keep</c> of a call's candidates are the lightest by key (a candidate's
/// weighted projected load; −∞ for one exempt from the selection). Ties go to the lower index (the older request), so the
/// choice is deterministic. A quickselect: O(n) on average, where a sort of the keys would be O(n log n), and it moves
/// indices only.
/// </summary>
internal static class LightFirstSelection
{
    /// <summary>
    /// Sets <paramref name="kept"/>[i] for the <paramref name="keep"/> lightest of <paramref name="keys"/> and clears it for
    /// the others; <paramref name="order"/> (as long as the keys) is scratch.
    /// </summary>
    public static void MarkLightest(ReadOnlySpan<double> keys, int keep, Span<int> order, Span<bool> kept)
    {
        var count = keys.Length;
        for (var i = 0; i < count; i++) order[i] = i;
        // The keep lightest to the front of order.
        var lo = 0;
        var hi = count - 1;
        var nth = keep - 1;
        while (lo < hi)
        {
            var pivot = order[(lo + hi) >> 1];
            int a = lo, b = hi;
            while (a <= b)
            {
                while (Lighter(keys, order[a], pivot)) a++;
                while (Lighter(keys, pivot, order[b])) b--;
                if (a <= b)
                {
                    (order[a], order[b]) = (order[b], order[a]);
                    a++;
                    b--;
                }
            }
            if (nth <= b) hi = b;
            else if (nth >= a) lo = a;
            else break;
        }
        kept[..count].Clear();
        for (var k = 0; k < keep; k++) kept[order[k]] = true;
    }

    // A strict order by (key, index). Inlined: the quickselect calls it a few times per candidate.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Lighter(ReadOnlySpan<double> keys, int x, int y) => keys[x] < keys[y] || (keys[x] == keys[y] && x < y);
}
