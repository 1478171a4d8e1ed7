using BenchmarkDotNet.Attributes;
using Scheduler.Core.Traces;

namespace Scheduler.Benchmarks;

/// <summary>
/// Reading the shipped Azure conversation trace (19,366 requests): the goal is well under 100 ms. A benchmark, not a
/// test: a timed assertion fails on a busy machine for reasons that are not the reader's.
/// </summary>
[MemoryDiagnoser]
public class TraceReadBenchmarks
{
    private readonly string _path = BenchData.Find("data/traces/azure-llm-2023-conv.csv");

    [Benchmark]
    public int ReadAzureConversationTrace() => AzureCsvReader.Read(_path).Count;
}
