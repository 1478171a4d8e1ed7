using System.Runtime.InteropServices;

namespace Scheduler.Decode;

/// <summary>
/// CPU time of the calling thread (Linux CLOCK_THREAD_CPUTIME_ID). With one intra-op thread libtorch computes on
/// the caller's thread, so this is a step's compute without the time the thread sat descheduled while other
/// processes (or other ranks sharing the cores) ran. Elsewhere it reports unavailable and callers fall back to
/// wall time.
/// </summary>
public static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc.so.6", EntryPoint = "clock_gettime")] // not "libc": that is a linker script where libc6-dev is installed, absent where not
    private static partial int ClockGetTime(int clockId, out TimeSpec time);

    public static bool IsAvailable { get; } = OperatingSystem.IsLinux() && Probe();

    /// <summary>Seconds of CPU the calling thread has used; NaN where unavailable.</summary>
    public static double Now()
    {
        if (!IsAvailable || ClockGetTime(ClockThreadCpuTimeId, out var t) != 0) return double.NaN;
        return t.Seconds + t.Nanoseconds * 1e-9;
    }

    private static bool Probe()
    {
        try
        {
            return ClockGetTime(ClockThreadCpuTimeId, out _) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
