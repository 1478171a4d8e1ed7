using System.Numerics;
using System.Runtime.CompilerServices;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// Where a departure lands among the planned rows: a request leaving h steps ahead is counted at the first planned row at
/// or past h. The rows a policy plans on are all of 0 … H or the doubling h = 0, 1, 2, 4, …, H (BfioSettings.SampleRows),
/// and for those the row is arithmetic; any other ascending set is searched. A projection asks once per active request,
/// thousands of times per decision, so the layout is told once per rank and the answer costs a few instructions.
/// </summary>
internal static class DepartureRows
{
    public enum Layout
    {
        /// <summary>Any ascending rows: binary search.</summary>
        Searched,
        /// <summary>Rows 0, 1, 2, …: row h is at index h.</summary>
        Dense,
        /// <summary>Rows 0, 1, 2, 4, …, 2^k, then the last row (at most twice the one before it).</summary>
        Doubling,
    }

    /// <summary>The layout of <paramref name="rows"/> (ascending, from 0).</summary>
    public static Layout LayoutOf(ReadOnlySpan<int> rows)
    {
        var n = rows.Length;
        if (n == 0 || rows[0] != 0) return Layout.Searched;
        var dense = true;
        var doubling = true;
        var last = rows[n - 1];
        for (var k = 1; k < n; k++)
        {
            if (rows[k] <= rows[k - 1]) return Layout.Searched;
            dense &= rows[k] == k;
            doubling &= rows[k] == Math.Min(1 << Math.Min(k - 1, 30), last);
        }
        return dense ? Layout.Dense : doubling ? Layout.Doubling : Layout.Searched;
    }

    /// <summary>The index of the first of <paramref name="rows"/> at or past <paramref name="h"/>, for 1 ≤ h ≤ the last row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FirstAtOrPast(Layout layout, ReadOnlySpan<int> rows, int h) => layout switch
    {
        Layout.Dense => h,
        // Row k ≥ 1 is 2^(k−1) (or the last row), so h goes to k = 1 + ⌈log2 h⌉.
        Layout.Doubling => 33 - BitOperations.LeadingZeroCount((uint)(h - 1)),
        _ => Search(rows, h),
    };

    private static int Search(ReadOnlySpan<int> rows, int h)
    {
        int lo = 0, hi = rows.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (rows[mid] < h) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
