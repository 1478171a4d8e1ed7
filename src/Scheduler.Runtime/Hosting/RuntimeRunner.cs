using System.Collections.Concurrent;
using System.Diagnostics;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Scheduler.Core.Simulation;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Logic;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Results;

namespace Scheduler.Runtime.Hosting;

/// <summary>
/// Runs one workload on the actor runtime: an actor system with an embedded single-node cluster, the rank
/// entities behind a shard region, the barrier, the balancer and the ingestion stream; it returns the same
/// summary the simulator computes and shuts the actor system down, whatever happened.
/// </summary>
public static class RuntimeRunner
{
    public static async Task<RuntimeRunResult> RunAsync(
        RuntimeRunRequest request, IProgress<RuntimeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequestSources.CheckRateScale(request.RateScale);
        if (request.Input is RequestInput.FromFile file && !File.Exists(file.Path))
            throw new FileNotFoundException($"request file '{file.Path}' does not exist", file.Path);
        var engines = ResolveEngine(request);
        var config = RuntimeConfig.Load(request.ConfigPath, request.ConfigOverrides);
        var settings = RuntimeSettings.FromConfig(config);
        var resultFormat = request.ResultsFormat ?? (request.ResultsPath is { } rp ? ResultSinks.FormatFor(rp) : ResultFormat.Csv);

        var clock = Stopwatch.StartNew();
        var system = ActorSystem.Create("scheduler", config);
        var deadLetters = new ConcurrentQueue<DeadLetterRecord>();
        TimeSpan startup = TimeSpan.Zero, running = TimeSpan.Zero;
        try
        {
            if (settings.JoinSelf) await RankCluster.JoinSelfAsync(system, settings.StartupTimeout, cancellationToken).ConfigureAwait(false);
            var ranks = await RankCluster.StartRankRegionAsync(system, settings, engines).ConfigureAwait(false);
            await RankCluster.AwaitRanksAsync(ranks, request.Shape.Ranks, settings.StartupTimeout, cancellationToken).ConfigureAwait(false);
            startup = clock.Elapsed;
            var nodeAddress = ((ExtendedActorSystem)system).Provider.DefaultAddress.ToString();

            var materializer = system.Materializer(namePrefix: "ingest");
            var outcome = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
            var monitor = system.ActorOf(RunMonitor.Props(outcome, progress), "monitor");
            var barrier = system.ActorOf(BarrierActor.Props(request.Shape.Ranks, ranks, settings.Barrier), "barrier");

            IActorRef? results = null;
            Task<Akka.Streams.IO.IOResult>? written = null;
            if (request.ResultsPath is { } path)
            {
                (results, written) = ResultSinks.FromBalancer(settings.ResultBufferSteps)
                    .SelectMany(batch => batch.Requests)
                    .ToMaterialized(ResultSinks.ToFile(path, resultFormat), Keep.Both)
                    .Run(materializer);
            }

            var capacity = request.Input switch
            {
                RequestInput.FromWorkload w => w.Workload.Count,
                RequestInput.FromSynthetic s => s.Spec.Count,
                _ => 1024,
            };
            var loop = new PlacementLoop(request.Shape, request.Policy, request.Arrivals, capacity);
            var balancer = system.ActorOf(
                BalancerActor.Props(loop, barrier, ranks, monitor, results, settings.Balancer).WithDispatcher(settings.BalancerDispatcher),
                "balancer");

            var deadLetterSink = Sink.ForEach<DeadLetterRecord>(deadLetters.Enqueue).MapMaterializedValue(_ => NotUsed.Instance);
            Ingestion(request, deadLetterSink)
                .To(IngestionFlows.IntoBalancer(balancer, settings.MaxBatch))
                .Run(materializer);

            using (cancellationToken.Register(() => balancer.Tell(new CancelRun("the run was cancelled"))))
            {
                var ended = await outcome.Task.ConfigureAwait(false);
                running = clock.Elapsed - startup;
                if (ended is RunFailed failed)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    throw new RuntimeRunException($"the run failed at step {failed.Step}: {failed.Reason}", failed.Step, [.. deadLetters]);
                }

                var completed = (RunCompleted)ended;
                if (written is not null)
                {
                    try
                    {
                        await written.ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        throw new RuntimeRunException($"writing results to '{request.ResultsPath}' failed: {ex.Message}", completed.Summary.Steps, [.. deadLetters], ex);
                    }
                }
                var counters = await barrier.Ask<BarrierStatistics>(GetBarrierStatistics.Instance, settings.StartupTimeout, cancellationToken).ConfigureAwait(false);
                var shutdownStarted = clock.Elapsed;
                await ShutdownAsync(system, settings.ShutdownTimeout).ConfigureAwait(false);
                var shutdown = clock.Elapsed - shutdownStarted;
                return new RuntimeRunResult(
                    completed.Summary,
                    completed.Admissions,
                    completed.Steps,
                    completed.Completed,
                    [.. deadLetters],
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
            if (!system.WhenTerminated.IsCompleted) await ShutdownAsync(system, settings.ShutdownTimeout).ConfigureAwait(false);
        }
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

    private static Source<IngestedRequest, NotUsed> Ingestion(RuntimeRunRequest request, Sink<DeadLetterRecord, NotUsed> deadLetters)
    {
        var scale = request.RateScale;
        return request.Input switch
        {
            RequestInput.FromWorkload w => RequestSources.FromWorkload(w.Workload, scale),
            RequestInput.FromSynthetic s => RequestSources.Synthetic(s.Spec).Select(r => r with { Request = RequestSources.Scale(r.Request, scale) }),
            RequestInput.FromLines l => l.Lines
                .Via(IngestionFlows.ParseRecords(l.SourceName, deadLetters))
                .Select(r => r with { Request = RequestSources.Scale(r.Request, scale) }),
            RequestInput.FromFile f => RequestSources.LinesOfFile(f.Path)
                .MapMaterializedValue(_ => NotUsed.Instance)
                .Via(IngestionFlows.ParseRecords(f.Path, deadLetters))
                .Select(r => r with { Request = RequestSources.Scale(r.Request, scale) }),
            _ => throw new ArgumentException($"unknown input {request.Input.GetType().Name}"),
        };
    }

    private static async Task ShutdownAsync(ActorSystem system, TimeSpan timeout)
    {
        // Coordinated shutdown leaves the cluster, stops the shard region and the streams, then terminates.
        var done = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ActorSystemTerminateReason.Instance);
        try
        {
            await done.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await system.Terminate().WaitAsync(timeout).ConfigureAwait(false);
        }
    }
}
