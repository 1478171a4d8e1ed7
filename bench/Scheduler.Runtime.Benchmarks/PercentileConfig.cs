using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Scheduler.Runtime.Benchmarks;

/// <summary>Adds P95 and P99 of the per-invocation times (BenchmarkDotNet ships P95 but no P99).</summary>
public sealed class PercentileConfig : ManualConfig
{
    public PercentileConfig()
    {
        AddColumn(StatisticColumn.P95, new PercentileColumn(99));
    }

    private sealed class PercentileColumn(int percentile) : IColumn
    {
        public string Id => $"P{percentile}";
        public string ColumnName => $"P{percentile}";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Statistics;
        public int PriorityInCategory => 10;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => $"Percentile {percentile} of the measured iterations";
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
            GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var stats = summary[benchmarkCase]?.ResultStatistics;
            if (stats is null) return "NA";
            return $"{stats.Percentiles.Percentile(percentile) / 1000.0:N2} μs";
        }
    }
}
