using Akka.Configuration;

namespace Scheduler.Runtime.Hosting;

/// <summary>The barrier's settings (<c>scheduler.runtime.barrier</c>).</summary>
public sealed record BarrierSettings(TimeSpan StepTimeout, int MaxTimeoutsPerStep, bool RetickMissingRanks)
{
    public BarrierSettings WithStepTimeout(TimeSpan timeout) => this with { StepTimeout = timeout };
    public BarrierSettings WithMaxTimeoutsPerStep(int count) => this with { MaxTimeoutsPerStep = count };
}

/// <summary>The balancer's settings: how many received requests a replay may hold unrevealed
/// (<c>scheduler.runtime.ingest.max-unrevealed</c>), how often it reports progress, and the barrier's step timeout.</summary>
public sealed record BalancerSettings(int MaxUnrevealed, int ProgressEverySteps, TimeSpan StepTimeout)
{
    /// <summary>Live: how many finished request ids the balancer remembers, so that a broker's redelivery of one is
    /// acknowledged instead of run again (<c>scheduler.runtime.balancer.remember-finished</c>).</summary>
    public int RememberFinished { get; init; } = 100_000;

    public BalancerSettings WithMaxUnrevealed(int count) => this with { MaxUnrevealed = count };
}

/// <summary>An ingress's settings (<c>scheduler.runtime.ingest</c>): the bound on deliveries held unacknowledged,
/// the most requests in one message to the balancer, and whether arrivals must not decrease (replay).</summary>
public sealed record IngressSettings(int MaxUnacknowledged, int MaxBatch, bool RequireOrderedArrivals = false)
{
    /// <summary>How often the ingress greets the balancer to learn its epoch (null: never, a balancer that cannot move).
    /// In a cluster the balancer is a singleton that moves when its node is lost; the greeting tells the ingress a new
    /// incarnation took over, and it sends that one again every request it holds without a result.</summary>
    public TimeSpan? BalancerHeartbeat { get; init; }
}

/// <summary>Every <c>scheduler.runtime</c> setting, read from HOCON (config/scheduler.conf documents each key).</summary>
public sealed record RuntimeSettings(
    bool JoinSelf,
    TimeSpan StartupTimeout,
    TimeSpan ShutdownTimeout,
    string RankTypeName,
    int NumberOfShards,
    string BalancerDispatcher,
    string BarrierDispatcher,
    string RankDispatcher,
    BarrierSettings Barrier,
    BalancerSettings Balancer,
    IngressSettings Ingress)
{
    public static RuntimeSettings FromConfig(Config root)
    {
        var c = new ConfigValues(root, "scheduler.runtime");
        var stepTimeout = c.Duration("barrier.step-timeout");
        var settings = new RuntimeSettings(
            JoinSelf: c.Boolean("cluster.join-self"),
            StartupTimeout: c.Duration("cluster.startup-timeout"),
            ShutdownTimeout: c.Duration("cluster.shutdown-timeout"),
            RankTypeName: c.String("sharding.type-name"),
            NumberOfShards: c.Int("sharding.number-of-shards"),
            BalancerDispatcher: c.String("balancer.dispatcher"),
            BarrierDispatcher: c.String("barrier.dispatcher"),
            RankDispatcher: c.String("ranks.dispatcher"),
            Barrier: new BarrierSettings(stepTimeout, c.Int("barrier.max-timeouts-per-step"), c.Boolean("barrier.retick-missing-ranks")),
            Balancer: new BalancerSettings(c.Int("ingest.max-unrevealed"), c.Int("progress.every-steps"), stepTimeout)
            {
                RememberFinished = c.Int("balancer.remember-finished"),
            },
            Ingress: new IngressSettings(c.Int("ingest.max-unacknowledged"), c.Int("ingest.max-batch")));
        return settings.Validated(c);
    }

    public RuntimeSettings WithBarrier(BarrierSettings barrier) => this with { Barrier = barrier, Balancer = Balancer with { StepTimeout = barrier.StepTimeout } };
    public RuntimeSettings WithBalancer(BalancerSettings balancer) => this with { Balancer = balancer };

    private RuntimeSettings Validated(ConfigValues c)
    {
        void Require(bool ok, string key, object value, string rule)
        {
            if (!ok) throw c.Invalid(key, value, rule);
        }
        Require(StartupTimeout > TimeSpan.Zero, "cluster.startup-timeout", StartupTimeout, "must be positive");
        Require(ShutdownTimeout > TimeSpan.Zero, "cluster.shutdown-timeout", ShutdownTimeout, "must be positive");
        Require(!string.IsNullOrWhiteSpace(RankTypeName), "sharding.type-name", RankTypeName, "must not be empty");
        Require(NumberOfShards >= 0, "sharding.number-of-shards", NumberOfShards, "must be 0 (one per rank) or positive");
        Require(Ingress.MaxBatch > 0, "ingest.max-batch", Ingress.MaxBatch, "must be positive");
        Require(Ingress.MaxUnacknowledged > 0, "ingest.max-unacknowledged", Ingress.MaxUnacknowledged, "must be positive");
        Require(Balancer.MaxUnrevealed > 0, "ingest.max-unrevealed", Balancer.MaxUnrevealed, "must be positive");
        Require(Balancer.RememberFinished >= 0, "balancer.remember-finished", Balancer.RememberFinished, "must not be negative");
        Require(Balancer.ProgressEverySteps >= 0, "progress.every-steps", Balancer.ProgressEverySteps, "must not be negative");
        Require(Barrier.StepTimeout >= TimeSpan.Zero, "barrier.step-timeout", Barrier.StepTimeout, "must not be negative");
        Require(Barrier.MaxTimeoutsPerStep >= 0, "barrier.max-timeouts-per-step", Barrier.MaxTimeoutsPerStep, "must not be negative");
        return this;
    }
}
