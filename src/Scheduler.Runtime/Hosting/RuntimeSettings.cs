using Akka.Configuration;

namespace Scheduler.Runtime.Hosting;

/// <summary>The barrier's settings (<c>scheduler.runtime.barrier</c>).</summary>
public sealed record BarrierSettings(TimeSpan StepTimeout, int MaxTimeoutsPerStep, bool RetickMissingRanks)
{
    public BarrierSettings WithStepTimeout(TimeSpan timeout) => this with { StepTimeout = timeout };
    public BarrierSettings WithMaxTimeoutsPerStep(int count) => this with { MaxTimeoutsPerStep = count };
}

/// <summary>The balancer's settings (<c>scheduler.runtime.ingest</c>, <c>.progress</c>, <c>.barrier.step-timeout</c> for its messages).</summary>
public sealed record BalancerSettings(int MaxUnrevealed, int ProgressEverySteps, TimeSpan StepTimeout)
{
    public BalancerSettings WithMaxUnrevealed(int count) => this with { MaxUnrevealed = count };
}

/// <summary>Every <c>scheduler.runtime</c> setting, read from HOCON (config/scheduler.conf documents each key).</summary>
public sealed record RuntimeSettings(
    bool JoinSelf,
    TimeSpan StartupTimeout,
    TimeSpan ShutdownTimeout,
    string RankTypeName,
    int NumberOfShards,
    int MaxBatch,
    string BalancerDispatcher,
    int ResultBufferSteps,
    BarrierSettings Barrier,
    BalancerSettings Balancer)
{
    public static RuntimeSettings FromConfig(Config root)
    {
        var c = root.GetConfig("scheduler.runtime")
            ?? throw new ConfigurationException("the configuration has no scheduler.runtime section");
        var settings = new RuntimeSettings(
            JoinSelf: c.GetBoolean("cluster.join-self"),
            StartupTimeout: c.GetTimeSpan("cluster.startup-timeout"),
            ShutdownTimeout: c.GetTimeSpan("cluster.shutdown-timeout"),
            RankTypeName: c.GetString("sharding.type-name"),
            NumberOfShards: c.GetInt("sharding.number-of-shards"),
            MaxBatch: c.GetInt("ingest.max-batch"),
            BalancerDispatcher: c.GetString("balancer.dispatcher"),
            ResultBufferSteps: c.GetInt("results.buffer-steps"),
            Barrier: new BarrierSettings(
                c.GetTimeSpan("barrier.step-timeout"),
                c.GetInt("barrier.max-timeouts-per-step"),
                c.GetBoolean("barrier.retick-missing-ranks")),
            Balancer: new BalancerSettings(
                c.GetInt("ingest.max-unrevealed"),
                c.GetInt("progress.every-steps"),
                c.GetTimeSpan("barrier.step-timeout")));
        return settings.Validated();
    }

    public RuntimeSettings WithBarrier(BarrierSettings barrier) => this with { Barrier = barrier, Balancer = Balancer with { StepTimeout = barrier.StepTimeout } };
    public RuntimeSettings WithBalancer(BalancerSettings balancer) => this with { Balancer = balancer };

    private RuntimeSettings Validated()
    {
        static void Require(bool ok, string key, object value, string rule)
        {
            if (!ok) throw new ConfigurationException($"scheduler.runtime.{key} = {value}: {rule}");
        }
        Require(StartupTimeout > TimeSpan.Zero, "cluster.startup-timeout", StartupTimeout, "must be positive");
        Require(ShutdownTimeout > TimeSpan.Zero, "cluster.shutdown-timeout", ShutdownTimeout, "must be positive");
        Require(!string.IsNullOrWhiteSpace(RankTypeName), "sharding.type-name", RankTypeName, "must not be empty");
        Require(NumberOfShards >= 0, "sharding.number-of-shards", NumberOfShards, "must be 0 (one per rank) or positive");
        Require(MaxBatch > 0, "ingest.max-batch", MaxBatch, "must be positive");
        Require(Balancer.MaxUnrevealed > 0, "ingest.max-unrevealed", Balancer.MaxUnrevealed, "must be positive");
        Require(Balancer.ProgressEverySteps >= 0, "progress.every-steps", Balancer.ProgressEverySteps, "must not be negative");
        Require(ResultBufferSteps > 0, "results.buffer-steps", ResultBufferSteps, "must be positive");
        Require(Barrier.StepTimeout >= TimeSpan.Zero, "barrier.step-timeout", Barrier.StepTimeout, "must not be negative");
        Require(Barrier.MaxTimeoutsPerStep >= 0, "barrier.max-timeouts-per-step", Barrier.MaxTimeoutsPerStep, "must not be negative");
        return this;
    }
}
