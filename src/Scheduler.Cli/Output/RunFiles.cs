using System.Globalization;
using System.Text;
using Scheduler.Core.Model;
using Scheduler.Core.Simulation;

namespace Scheduler.Cli.Output;

/// <summary>Per-run files for --out: every step, every admission, every request's times.</summary>
public static class RunFiles
{
    public static void Write(string directory, SimulationResult result)
    {
        Write(directory, result.Summary.Policy, result.Steps, result.Admissions);
        WriteRequests(Path.Combine(directory, $"{FileSafe(result.Summary.Policy)}.requests.csv"), result.FinalState);
    }

    /// <summary>The step and admission files of one run.</summary>
    public static void Write(string directory, string policy, IReadOnlyList<StepRecord> steps, IReadOnlyList<Admission> admissions)
    {
        Directory.CreateDirectory(directory);
        var name = FileSafe(policy);
        WriteSteps(Path.Combine(directory, $"{name}.steps.csv"), steps);
        WriteAdmissions(Path.Combine(directory, $"{name}.admissions.csv"), admissions);
    }

    public static string FileSafe(string policy)
    {
        var sb = new StringBuilder(policy.Length);
        foreach (var c in policy) sb.Append(char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        return sb.ToString();
    }

    public static void WriteSteps(string path, IReadOnlyList<StepRecord> steps)
    {
        using var w = new StreamWriter(path);
        w.WriteLine("step,clock_s,duration_s,active_before,finished,imbalance,max_load,total_load,utilization,idle_rate,energy_j,power_w,barrier_idle_s,queue_length");
        foreach (var s in steps)
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Step},{s.Clock:R},{s.Duration:R},{s.ActiveBefore},{s.Finished},{s.Imbalance},{s.MaxLoad},{s.TotalLoad},{s.Utilization:R},{s.IdleRate:R},{s.Energy:R},{s.Power:R},{s.BarrierIdleSeconds:R},{s.QueueLength}"));
    }

    public static void WriteAdmissions(string path, IReadOnlyList<Admission> admissions)
    {
        using var w = new StreamWriter(path);
        w.WriteLine("step,request_id,rank");
        foreach (var a in admissions) w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{a.Step},{a.RequestId},{a.Rank}"));
    }

    /// <summary>The per-request columns simulate and run both write: where each request ran and its times, absolute
    /// (seconds since t=0) and from its arrival (the service's result fields).</summary>
    public const string RequestsHeader = "id,rank,prompt_tokens,output_tokens,arrival_s,admitted_s,first_token_s,finished_s,queued_s,ttft_s,e2e_s";

    public static void WriteRequests(string path, ClusterState state)
    {
        using var w = new StreamWriter(path);
        w.WriteLine(RequestsHeader);
        for (var i = 0; i < state.SlotCount; i++)
        {
            var arrival = state.ArrivalSeconds(i);
            var (start, first, finish) = (state.StartTime(i), state.FirstTokenTime(i), state.FinishTime(i));
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{i},{state.RankOf(i)},{state.PromptTokens(i)},{state.FinishedOutputTokens(i)},{arrival:R},{start:R},{first:R},{finish:R},{start - arrival:R},{first - arrival:R},{finish - arrival:R}"));
        }
    }
}
