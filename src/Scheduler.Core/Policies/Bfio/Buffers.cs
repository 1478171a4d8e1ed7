using System.Numerics;

namespace Scheduler.Core.Policies.Bfio;

/// <summary>
/// How bfio's buffers grow: to the power of two at or above the length asked for. A decision's sizes creep (a G=128 ramp
/// shows 507, 508, …, 512 candidates on 14 planned rows, so rows × candidates padded to the SIMD width goes 7,112 → 7,168),
/// and a buffer grown to the length asked (or twice its old length) was left just short of a later call's need: a dozen
/// of them were allocated again inside that decision, zeroed and first touched (loading the problem took 0.5–0.9 ms
/// instead of 75 µs at G=128). Rounded up, a buffer grows once per doubling, and rows × candidates at G=128 (16 × 512
/// doubles, 64 KiB) stays below the large-object heap's 85,000 bytes, whose allocations cost more still.
/// </summary>
internal static class Buffers
{
    /// <summary>Replaces <paramref name="array"/> by a zeroed one of at least <paramref name="length"/> (a power of two) if it is
    /// shorter; its contents are not kept.</summary>
    public static void Ensure<T>(ref T[] array, int length)
    {
        if (array.Length >= length) return;
        array = new T[Capacity(length)];
        GrownOnThisThread++;
    }

    /// <summary>Buffers grown on this thread (diagnostics: tests read it around decisions that must grow none).</summary>
    [ThreadStatic] internal static long GrownOnThisThread;

    /// <summary>The length a buffer asked to hold <paramref name="length"/> gets: the power of two at or above it.</summary>
    public static int Capacity(int length) => (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, length));
}
