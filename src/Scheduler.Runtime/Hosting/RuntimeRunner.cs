using System.Diagnostics;
using System.Text.Json;
using Akka.Actor;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Results;

namespace Scheduler.Runtime.Hosting;

/// <summary>
/// Replays one workload on the actor runtime: an actor system with an embedded single-node cluster, the rank
/// entities behind a shard region, the barrier, the balancer and an ingress on the input; it returns the same
/// summary the simulator computes and shuts the actor system down, whatever happened.
/// </summary>
public static class RuntimeRunner
{
    public static async Task<RuntimeRunResult> RunAsync(
        RuntimeRunRequest request, IProgress<RuntimeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if ((request.Policy is null) == (request.Router is null))
            throw new ArgumentException("a run takes a placement policy or an arrival router, exactly one of them", nameof(request));
        Ingestion.Sources.RateScale.Check(request.RateScale);
        if (request.Input is RequestInput.FromFile file && !File.Exists(file.Path))
            throw new FileNotFoundException($"request file '{file.Path}' does not exist", file.Path);
        var engines = ResolveEngine(request);
        var config = RuntimeConfig.Load(request.ConfigPath, request.ConfigOverrides);
        var settings = RuntimeSettings.FromConfig(config);
        var source = request.Input.ToSource();

        var clock = Stopwatch.StartNew();
        using var host = SchedulerHosting.CreateBuilder(config, settings, engines).Build();
        var deadLetters = new MemoryResultSink("rejected");
        TimeSpan startup = TimeSpan.Zero, running = TimeSpan.Zero;
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            var (system, registry) = SchedulerHosting.Actors(host.Services);
            var ranks = await registry.GetAsync<RankRegion>(cancellationToken).ConfigureAwait(false);
            await RankCluster.AwaitRanksAsync(ranks, request.Shape.Ranks, settings.StartupTimeout, cancellationToken).ConfigureAwait(false);
            startup = clock.Elapsed;
            var nodeAddress = ((ExtendedActorSystem)system).Provider.DefaultAddress.ToString();

            var outcome = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
            var monitor = system.ActorOf(RunMonitor.Props(outcome, progress), "monitor");
            var setup = new BalancerSetup(request.Shape, request.Policy, request.Arrivals, settings.Balancer, engines.MaxSequenceTokens)
            {
                RateScale = request.RateScale,
                Router = request.Router,
            };
            IResultSink results = request.ResultsPath is { } path
                ? StreamResultSink.ToFile(path, request.ResultsFormat ?? ResultLines.FormatFor(path))
                : new DiscardingResultSink();
            // A replay holds every request until its summary anyway: its bound is the balancer's unrevealed window.
            var ingress = settings.Ingress with { MaxUnacknowledged = int.MaxValue, RequireOrderedArrivals = true };
            var pipeline = SchedulerPipeline.Start(system, registry, ranks, settings, setup, source, results, deadLetters, ingress, monitor);

            using (cancellationToken.Register(() => pipeline.Balancer.Tell(new CancelRun("the run was cancelled"))))
            {
                var ended = await outcome.Task.ConfigureAwait(false);
                running = clock.Elapsed - startup;
                var rejected = await Flushed(pipeline.DeadLetterWriter, deadLetters, settings.ShutdownTimeout).ConfigureAwait(false);
                switch (ended)
                {
                    case RunFailed failed:
                        await Flushed(pipeline.ResultWriter, null, settings.ShutdownTimeout).ConfigureAwait(false);
                        cancellationToken.ThrowIfCancellationRequested();
                        throw new RuntimeRunException($"the run failed at step {failed.Step}: {failed.Reason}", failed.Step, rejected);
                    case IngressFault fault:
                        throw new RuntimeRunException(fault.Reason, 0, rejected);
                }

                var completed = (RunCompleted)ended;
                if (completed.FinalState.RequestsAdded == 0)
                    throw new RuntimeRunException(
                        rejected.Count > 0 ? $"no valid request in {source.Name}: all {rejected.Count} records were rejected" : $"{source.Name} holds no requests",
                        0, rejected) { NoValidInput = true };
                var counters = await pipeline.Barrier.Ask<BarrierStatistics>(GetBarrierStatistics.Instance, settings.StartupTimeout, cancellationToken).ConfigureAwait(false);
                var shutdownStarted = clock.Elapsed;
                await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
                var shutdown = clock.Elapsed - shutdownStarted;
                return new RuntimeRunResult(
                    completed.Summary with { Rejected = rejected.Count },
                    completed.Admissions,
                    completed.Steps,
                    completed.FinalState,
                    rejected,
                    counters.StaleCompletions,
                    counters.DuplicateCompletions,
                    counters.Timeouts,
                    engines.Kind,
                    request.ResultsPath,
                    nodeAddress,
                    new RuntimeTimings(startup.TotalSeconds, running.TotalSeconds, shutdown.TotalSeconds));
            }
        }
        finally
        {
            // Coordinated shutdown (Akka.Hosting's stop) leaves the cluster, stops the region, the streams and the writers.
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Flush a writer (so nothing written is cut) and read back the dead letters it holds.</summary>
    private static async Task<IReadOnlyList<DeadLetter>> Flushed(IActorRef writer, MemoryResultSink? sink, TimeSpan timeout)
    {
        try
        {
            await writer.Ask<SinkFlushed>(FlushSink.Instance, timeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AskTimeoutException or TaskCanceledException)
        {
            // A writer that cannot flush in time has failed already; the run reports its own error.
        }
        if (sink is null) return [];
        return sink.Lines.Select(line => JsonSerializer.Deserialize<DeadLetter>(line)!).ToArray();
    }

    /// <summary>The engine factory a request names.</summary>
    public static IDecodeEngineFactory ResolveEngine(RuntimeRunRequest request)
    {
        if (request.EngineFactory is { } factory)
        {
            if (!string.Equals(factory.Kind, request.Engine, StringComparison.OrdinalIgnoreCase) && request.Engine != DecodeEngines.CostModelKind)
                throw new ArgumentException($"engine '{request.Engine}' was asked for but the engine factory given is '{factory.Kind}'");
            return factory;
        }
        return request.Engine.ToLowerInvariant() switch
        {
            DecodeEngines.CostModelKind => new CostModelEngineFactory(request.EffectiveCostModel, request.Shape.BatchSize),
            DecodeEngines.TorchKind => throw new ArgumentException(
                "the torch engine is not built into Scheduler.Runtime: pass its IDecodeEngineFactory as RuntimeRunRequest.EngineFactory"),
            _ => throw new ArgumentException($"unknown engine '{request.Engine}'; known: {string.Join(", ", DecodeEngines.Kinds)}"),
        };
    }
}
