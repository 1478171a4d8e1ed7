using TorchSharp;

namespace Scheduler.Decode;

/// <summary>Process-wide TorchSharp settings, applied once before the first tensor.</summary>
internal static class TorchSetup
{
    private static int _done;

    /// <summary>One intra-op thread: each rank's step runs on one core, so ranks sharing a machine do not fight over threads.</summary>
    public static void EnsureInitialised()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1) return;
        torch.set_num_threads(1);
    }
}
