namespace Scheduler.Core.Policies;

/// <summary>The constants of the paper's public simulator (SPEC §2, §3), written as it evaluates them.</summary>
public static class ReferenceConstants
{
    /// <summary>Seconds per token of the largest rank load: t_len = 1.5·2·576·61e-6 / 2^20.</summary>
    public const double TokenSeconds = 1.5 * 2 * 576 * 61e-6 / 1048576;

    /// <summary>Fixed seconds per step: C = (B·0.6e-3 + 35e-3) / 16.</summary>
    public static double StepOverheadSeconds(int batchSize) => (batchSize * 0.6e-3 + 35e-3) / 16;

    public const double BfioAlpha = 1.0;
    public const double BfioBeta = 43;
    public const double BfioDecay = 0.86;
    public const int BfioGreedySlotThreshold = 7;
    public const int BfioCandidateWindow = 1024;
    public const int BfioMaxFineRounds = 1000;
    public const int BfioDefaultHorizon = 72;
    public const double BfioEpsilon = 1e-6;
}
