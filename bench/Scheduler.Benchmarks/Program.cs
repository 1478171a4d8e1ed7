using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Scheduler.Benchmarks.SimulatorBenchmarks).Assembly).Run(args);
