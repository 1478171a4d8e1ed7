using System.Diagnostics;
using Scheduler.Core.Model;
using Scheduler.Decode;

namespace Scheduler.Cli.Engines;

/// <summary>
/// The actor-overhead baseline: the same decode steps a torch-engine run performed — the same admissions at
/// the same step boundaries onto the same ranks — driven by a plain loop with no actors, ranks stepped in
/// parallel as the rank actors are. Its wall time against the actor run's is the runtime's overhead.
/// </summary>
public static class PlainTorchReplay
{
    public sealed record Result(int Steps, long Tokens, double WallSeconds);

    public static Result Run(Workload workload, IReadOnlyList<Admission> admissions, int ranks, TorchDecodeOptions options)
    {
        using var model = DecoderModel.Create(options.Model, options.WeightSeed);
        var engines = Enumerable.Range(0, ranks).Select(_ => new TorchDecodeEngine(model, options)).ToArray();
        try
        {
            var remaining = new Dictionary<long, int>[ranks];
            for (var g = 0; g < ranks; g++) remaining[g] = [];
            var byStep = admissions.GroupBy(a => a.Step).ToDictionary(g => g.Key, g => g.ToList());
            var lastAdmission = admissions.Count == 0 ? 0 : admissions.Max(a => a.Step);
            var clock = Stopwatch.StartNew();
            var steps = 0;
            long tokens = 0;
            for (var k = 0; ; k++)
            {
                if (byStep.TryGetValue(k, out var admitted))
                    foreach (var a in admitted)
                    {
                        engines[a.Rank].Admit(a.RequestId, workload[a.RequestId].PromptTokens);
                        remaining[a.Rank][a.RequestId] = workload[a.RequestId].OutputTokens;
                    }
                if (k > lastAdmission && engines.All(e => e.ActiveCount == 0)) break;
                if (engines.All(e => e.ActiveCount == 0)) continue;
                Parallel.For(0, ranks, g =>
                {
                    if (engines[g].ActiveCount == 0) return;
                    var step = engines[g].Step();
                    foreach (var token in step.Tokens)
                    {
                        var left = remaining[g][token.RequestId] - 1;
                        if (left > 0) remaining[g][token.RequestId] = left;
                        else
                        {
                            remaining[g].Remove(token.RequestId);
                            engines[g].Release(token.RequestId);
                        }
                    }
                    Interlocked.Add(ref tokens, step.Tokens.Length);
                });
                steps++;
            }
            return new Result(steps, tokens, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var e in engines) e.Dispose();
        }
    }
}
