using System.Diagnostics;
using BenchmarkDotNet.Running;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Benchmarks;
using Scheduler.Runtime.Hosting;

// `probe`: one simulator run and one runtime run of the burst fixture, with the runtime's phases, no BenchmarkDotNet.
if (args.Length > 0 && args[0] == "probe")
{
    var workload = Fixture.Burst();
    var shape = new ClusterShape(32, 72);
    var policy = args.Length > 1 ? args[1] : "fcfs";
    for (var i = 0; i < 3; i++)
    {
        var sw = Stopwatch.StartNew();
        var sim = Simulator.Run(workload, PolicyCatalog.Create(policy), new SimulationOptions(shape));
        var simSeconds = sw.Elapsed.TotalSeconds;
        sw.Restart();
        var run = await RuntimeRunner.RunAsync(new RuntimeRunRequest { Input = RequestInput.Of(workload), Shape = shape, Policy = PolicyCatalog.Create(policy), ConfigOverrides = Environment.GetEnvironmentVariable("SCHEDULER_BENCH_HOCON") });
        var runSeconds = sw.Elapsed.TotalSeconds;
        var t = run.Timings;
        Console.WriteLine(
            $"{policy}: simulate {simSeconds * 1000:F0} ms; runtime {runSeconds * 1000:F0} ms (startup {t.StartupSeconds * 1000:F0}, run {t.RunSeconds * 1000:F0}, " +
            $"shutdown {t.ShutdownSeconds * 1000:F0}); loop wall {run.Summary.WallSeconds * 1000:F0} ms over {run.Summary.Steps} steps = " +
            $"{run.Summary.WallSeconds / run.Summary.Steps * 1e6:F0} µs/step; ratio total {runSeconds / simSeconds:F1}x, run-only {t.RunSeconds / simSeconds:F1}x");
    }
    return;
}

// `latency [sharding|local] [steps]`: per-step barrier round trips timed one by one, with percentiles and GC counts.
if (args.Length > 0 && args[0] == "latency")
{
    var bench = new BarrierRoundTripBenchmark { Ranking = args.Length > 1 ? args[1] : "sharding" };
    bench.Setup();
    var steps = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20000;
    for (var i = 0; i < 2000; i++) await bench.StepRoundTrip();
    var samples = new double[steps];
    var gc0 = GC.CollectionCount(0);
    var gc2 = GC.CollectionCount(2);
    for (var i = 0; i < steps; i++)
    {
        var t0 = Stopwatch.GetTimestamp();
        await bench.StepRoundTrip();
        samples[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    }
    Array.Sort(samples);
    double P(double q) => samples[(int)Math.Min(samples.Length - 1, Math.Round(q / 100 * (samples.Length - 1)))];
    Console.WriteLine($"{bench.Ranking}: {steps} steps, median {P(50):F1} µs, p90 {P(90):F1}, p99 {P(99):F1}, p99.9 {P(99.9):F1}, max {samples[^1]:F1} µs; " +
                      $"gen0 GCs {GC.CollectionCount(0) - gc0}, gen2 {GC.CollectionCount(2) - gc2}");
    bench.Cleanup();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(BarrierRoundTripBenchmark).Assembly).Run(args);
