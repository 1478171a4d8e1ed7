using Scheduler.Core.CostModels;
using Scheduler.Core.Policies;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Results;
using Scheduler.Service;

namespace Scheduler.Service.Tests;

/// <summary>A service on the embedded defaults with the given source, results in memory, no HTTP unless asked.</summary>
internal static class ServiceFixture
{
    public static ServiceLaunch Launch(IRequestSource source, IResultSink results, Func<ServiceSettings, ServiceSettings>? adjust = null,
        string policy = "fcfs", double timeScale = 0.0, string? overrides = null)
    {
        var config = RuntimeConfig.Load(overrides: "akka.loglevel = ERROR\n" + overrides);
        var settings = ServiceSettings.FromConfig(config) with
        {
            Ranks = 4,
            Batch = 8,
            Policy = policy,
            TimeScale = timeScale,
            Http = null,
            ProgressInterval = null,
            MetricsSnapshot = null,
            DrainTimeout = TimeSpan.FromSeconds(2),
        };
        settings = adjust?.Invoke(settings) ?? settings;
        return new ServiceLaunch
        {
            Settings = settings,
            Config = config,
            Runtime = RuntimeSettings.FromConfig(config),
            Policy = PolicyCatalog.Create(policy),
            Engines = new CostModelEngineFactory(ReferenceLinearCost.ForBatch(settings.Batch), settings.Batch, settings.TimeScale),
            Source = source,
            Results = results,
        };
    }

    public static string Json(string id, int prompt, int output) =>
        $"{{\"id\":\"{id}\",\"prompt_tokens\":{prompt},\"output_tokens\":{output}}}";
}
