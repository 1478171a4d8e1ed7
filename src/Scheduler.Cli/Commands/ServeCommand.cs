using Scheduler.Core.Model;
using System.CommandLine;
using System.Globalization;
using Scheduler.Cli.CommandLine;
using Scheduler.Cli.Output;
using Scheduler.Core.Policies;
using Scheduler.Brokers;
using Scheduler.Decode;
using Scheduler.Runtime.Endpoints;
using Scheduler.Runtime.Engines;
using Scheduler.Runtime.Hosting;
using Scheduler.Runtime.Observability;
using Scheduler.Service;

namespace Scheduler.Cli.Commands;

/// <summary>
/// <c>scheduler serve</c>: the scheduler as a long-running service. Its settings are <c>scheduler.service</c> in
/// config/scheduler.conf (every key documented there), a <c>--config</c> file over them, and these options over that.
/// </summary>
public sealed class ServeCommand : SchedulerCommand
{
    private static readonly ServiceSettings Defaults = ServiceSettings.FromConfig(RuntimeConfig.Defaults);

    private readonly Option<string> _source = CliOption.Text("--source",
        $"where requests come from: stdin, file:PATH (JSON lines or a request CSV), synthetic:count=N;rate=R, trace:PATH;count=N;rate-scale=X, " +
        $"rabbitmq://HOST:PORT/QUEUE, nats://HOST:PORT/SUBJECT[?consumer=NAME], redis://HOST:PORT/STREAM[?group=NAME] (default {Defaults.Source})", helpName: "URI");
    private readonly Option<string> _results = CliOption.Text("--results",
        $"where each request's result line goes: stdout, file:PATH, or a broker URI as for --source (default {Defaults.Results})", helpName: "URI");
    private readonly Option<string> _deadLetters = CliOption.Text("--dead-letters",
        "where malformed records go (default: a broker source's QUEUE.dlq beside it; else the results destination, as \"status\": \"rejected\" records)",
        helpName: "URI");
    private readonly Option<int?> _ranks = CliOption.OptionalInt("--ranks", $"data-parallel ranks, one sharded rank actor each (default {Defaults.Ranks})", 1, helpName: "G");
    private readonly Option<int?> _batch = CliOption.OptionalInt("--batch", $"active requests per rank (default {Defaults.Batch})", 1, helpName: "B");
    private readonly Option<string> _policy = CliOption.Text("--policy",
        $"the placement policy, e.g. bfio, bfio:predictor=online, fcfs (default {Defaults.Policy}; see simulate --help for all)", helpName: "P",
        check: spec =>
        {
            var name = PolicySpec.Parse(spec).Name;
            if (!PolicyCatalog.Names.Contains(name)) throw new FormatException($"unknown policy '{spec}'; known: {string.Join(", ", PolicyCatalog.Names)}");
        });
    private readonly Option<Choice<BindingMode>?> _binding = CliOption.OptionalChoice("--binding",
        $"when a request is tied to a rank (default {Defaults.Binding.ToString().ToLowerInvariant()}): pool, placed from the balancer's pool by the policy; " +
        "arrival, routed on arrival to a rank's own queue by the policy's arrival form (see simulate --help)", "MODE",
        ("pool", BindingMode.Pool), ("arrival", BindingMode.Arrival));
    private readonly Option<Choice<string>?> _engine = CliOption.OptionalChoice("--engine",
        $"how ranks decode (default {Defaults.Engine})", "ENGINE", ("cost-model", "cost-model"), ("torch", "torch"));
    private readonly Option<string> _timeScale = CliOption.Text("--time-scale",
        $"real seconds per modelled second of the cost-model engine; 0 = back to back (default {Format(Defaults.TimeScale)})", helpName: "X",
        check: raw => ParseNonNegative(raw));
    private readonly Option<string> _http = CliOption.Text("--http",
        $"HOST:PORT for /healthz, /readyz and /metrics; port 0 takes a free one; off for none (default {Defaults.Http?.ToString() ?? "off"})",
        helpName: "HOST:PORT", check: raw => HttpEndpoint.Parse(raw));
    private readonly Option<string> _exitWhenIdle = CliOption.Text("--exit-when-idle",
        "stop after this many seconds with nothing waiting or in flight; off to run until stopped (default off)", helpName: "SECONDS",
        check: raw => ParseSeconds(raw, allowOff: true));
    private readonly Option<string> _drainTimeout = CliOption.Text("--drain-timeout",
        $"on SIGTERM/SIGINT, seconds for requests in the service to finish before the rest go back to their source (default {Defaults.DrainTimeout.TotalSeconds:0.#})",
        helpName: "SECONDS", check: raw => ParseSeconds(raw, allowOff: false));
    private readonly Option<string> _progressInterval = CliOption.Text("--progress-interval",
        $"seconds between progress lines on stderr, or off (default {Defaults.ProgressInterval?.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) ?? "off"})",
        helpName: "SECONDS", check: raw => ParseSeconds(raw, allowOff: true));
    private readonly Option<string> _metricsSnapshot = CliOption.Text("--metrics-snapshot",
        $"write the last /metrics scrape here when the service stops; empty for none (default {Defaults.MetricsSnapshot ?? "none"})", helpName: "FILE");
    private readonly Option<Choice<PrefillMode>> _prefill = CliOption.Choice("--prefill",
        "torch engine: synthetic (the KV cache arrives filled, as from a prefill tier) or compute (run the prompt through the model)",
        "synthetic", ("synthetic", PrefillMode.Synthetic), ("compute", PrefillMode.Compute));
    private static readonly ClusterNodeSettings NodeDefaults = ClusterNodeSettings.FromConfig(RuntimeConfig.Defaults, _ => null);
    private readonly Option<string> _roles = CliOption.Text("--roles",
        $"what this node does, comma-separated: balancer (policy and step barrier; with ingress), rank-host (rank entities), ingress (source and results; also alone) " +
        $"(default {string.Join(",", NodeDefaults.Roles)}: a cluster of one)", helpName: "ROLES");
    private readonly Option<string> _host = CliOption.Text("--host",
        $"address cluster remoting binds to and advertises; beyond loopback it needs TLS (scheduler.cluster.tls) or --insecure (default {NodeDefaults.Host})",
        helpName: "HOST");
    private readonly Option<int?> _port = CliOption.OptionalInt("--port", "cluster remoting port; 0 takes a free one, seed nodes need a fixed one (default 0)", 0, helpName: "PORT");
    private readonly Option<string> _seedNodes = CliOption.Text("--seed-nodes",
        "nodes to join, comma-separated akka.tcp://scheduler@HOST:PORT (akka.ssl.tcp:// with TLS); none: this node starts its own cluster",
        helpName: "ADDRESSES");
    private readonly Option<int?> _localRanks = CliOption.OptionalInt("--local-ranks",
        "ranks this rank host owns (its GPUs); --ranks is the cluster's total (default: all of --ranks on a node that is also the balancer)", 0, helpName: "N");
    private readonly Option<bool> _insecure = CliOption.Flag("--insecure", "plain TCP between nodes even beyond loopback (a network you trust); never the default");
    private readonly CostModelOption _cost = new(configOverridesDefault: true);
    private readonly ConfigFileOption _config = new();
    private readonly Option<Choice<OutputFormat>> _format = OutputOptions.Format(OutputFormat.Table, OutputFormat.Json);

    public ServeCommand() : base("serve",
        "run the scheduler as a long-running service: requests from a stream, one result each, health and Prometheus metrics over HTTP")
    {
        foreach (var option in new Option[] { _source, _results, _deadLetters, _ranks, _batch, _policy, _binding, _engine, _timeScale, _http,
                     _exitWhenIdle, _drainTimeout, _progressInterval, _metricsSnapshot, _prefill,
                     _roles, _host, _port, _seedNodes, _localRanks, _insecure })
            Options.Add(option);
        this.Add(_cost);
        this.Add(_config);
        Options.Add(_format);
    }

    public override string HelpNotes => $$"""
        With no options: the demo, {{Defaults.Source}}: the shipped Azure conversation trace, sampled and delivered at its
        timestamps sped up, into {{Defaults.Ranks}} ranks of batch {{Defaults.Batch}} with {{Defaults.Policy}}; it ends by itself once every
        request has its result in {{Defaults.Results}}, prints its summary and leaves its last metrics in {{Defaults.MetricsSnapshot}}.
        Requests are JSON lines {"id": "...", "prompt_tokens": N, "output_tokens": N, "predicted_output_tokens": N} (or a
        request CSV with a header); each accepted request ends in one result line {"id", "status", "rank", "queued_s", "ttft_s",
        "e2e_s", "output_tokens", "reason"}. SIGTERM or SIGINT: stop taking requests, let those in the service finish within
        the drain timeout, report the rest failed (reason shutdown) or give them back to a broker, flush, print the summary.
        Settings: scheduler.service in config/scheduler.conf; --config FILE overrides them, these options override that.
        """;

    public override int Execute(ParseResult parse, CliConsole console)
    {
        var configPath = _config.Read(parse);
        var config = RuntimeConfig.Load(configPath);
        var settings = Overridden(ServiceSettings.FromConfig(config), parse);
        var runtime = RuntimeSettings.FromConfig(config);
        var policyDefaults = new PolicyDefaults { Configured = PolicyConfigSection.Read(config) };
        var arrival = settings.Binding == BindingMode.Arrival;
        var policy = arrival ? null : PolicyOptions.CreatePolicy(PolicySpec.Parse(settings.Policy), policyDefaults);
        var router = arrival ? BindingOption.CreateRouter(PolicySpec.Parse(settings.Policy), new PolicyDefaults()) : null;
        var engines = settings.Engine == DecodeEngines.TorchKind
            ? EngineFactories.Torch(parse.GetValue(_prefill).Value)
            : new CostModelEngineFactory(_cost.Read(parse, settings.Batch, configPath), settings.Batch, settings.TimeScale);

        var node = Node(ClusterNodeSettings.FromConfig(config), parse)
            .Validated(settings.Ranks, ClusterTlsSettings.FromConfig(config).Enabled, (key, value, rule) => new UsageException($"--{key} {value}: {rule}"));
        // An ingress runs on any node; the balancer's nodes run one too, since a balancer node with its own input is how a
        // cluster of one and its standbys serve (and drain) the requests they were given.
        if (node.Has(NodeRoles.Balancer) && !node.Has(NodeRoles.Ingress))
            throw new UsageException($"--roles {string.Join(",", node.Roles)}: a balancer node runs an ingress too (add ingress; an ingress may also run alone)");
        // Before the process opens its first socket (remoting, brokers, the metrics endpoint): the runtime reads it once.
        InlineSocketCompletions.Apply(InlineSocketCompletions.Wanted(InlineSocketCompletions.Mode(config), node));

        var endpointEvents = new EndpointEvents();
        var launch = new ServiceLaunch
        {
            Settings = settings,
            Config = config,
            Runtime = runtime,
            Policy = policy,
            Router = router,
            Engines = engines,
            Node = node,
            EndpointEvents = endpointEvents,
        };
        if (node.Has(NodeRoles.Ingress))
        {
            var brokers = BrokerContext.WritingTo(console.Error, "serve", BrokerSettings.FromConfig(config), endpointEvents);
            var catalog = new EndpointCatalog { ResolvePath = DataPaths.ResolveShipped }.AddBrokers(brokers);
            var source = Open("--source", settings.Source, catalog.Source);
            launch = launch with
            {
                Source = source,
                Results = Open("--results", settings.Results, catalog.Sink),
                DeadLetters = settings.DeadLetters is { } d ? Open("--dead-letters", d, catalog.Sink) : source.OpenDeadLetters(),
            };
        }

        ServiceOutcome outcome;
        using (console.Interrupt.Claim())
            outcome = SchedulerService.RunAsync(launch, console.Error, console.Interrupt.Token).GetAwaiter().GetResult();

        // The summary goes where the results do not.
        var summaryOut = settings.Results.Trim() is "stdout" or "-" ? console.Error : console.Out;
        // A rank host has no requests of its own to sum up: the balancer's node reports them.
        if (node.Has(NodeRoles.Ingress))
            ServiceSummaryWriter.Write(summaryOut, parse.GetValue(_format).Value, outcome, settings, console.Interrupt.Received);
        if (outcome.Error is { } error) console.Error.WriteLine($"error: {error}");
        return outcome.ExitCode;
    }

    /// <summary>The settings with every option given on the command line applied; a bad combination names the option.</summary>
    private ServiceSettings Overridden(ServiceSettings s, ParseResult parse)
    {
        string? Given(Option<string> option) => parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option) : null;
        s = s with
        {
            Source = Given(_source) ?? s.Source,
            Results = Given(_results) ?? s.Results,
            DeadLetters = Given(_deadLetters) is { } dl ? (dl.Length == 0 ? null : dl) : s.DeadLetters,
            Ranks = parse.GetValue(_ranks) ?? s.Ranks,
            Batch = parse.GetValue(_batch) ?? s.Batch,
            Policy = Given(_policy) ?? s.Policy,
            Binding = parse.GetValue(_binding)?.Value ?? s.Binding,
            Engine = parse.GetValue(_engine)?.Value ?? s.Engine,
            TimeScale = Given(_timeScale) is { } ts ? ParseNonNegative(ts) : s.TimeScale,
            Http = Given(_http) is { } http ? HttpEndpoint.Parse(http) : s.Http,
            ExitWhenIdle = Given(_exitWhenIdle) is { } idle ? ParseSeconds(idle, allowOff: true) : s.ExitWhenIdle,
            DrainTimeout = Given(_drainTimeout) is { } drain ? ParseSeconds(drain, allowOff: false)!.Value : s.DrainTimeout,
            ProgressInterval = Given(_progressInterval) is { } every ? ParseSeconds(every, allowOff: true) : s.ProgressInterval,
            MetricsSnapshot = Given(_metricsSnapshot) is { } snapshot ? (snapshot.Length == 0 ? null : snapshot) : s.MetricsSnapshot,
        };
        return s.Validated((key, value, rule) => new UsageException($"--{key} {value}: {rule}"));
    }

    /// <summary>The node's cluster settings with the options given on the command line applied.</summary>
    private ClusterNodeSettings Node(ClusterNodeSettings n, ParseResult parse)
    {
        string? Given(Option<string> option) => parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option) : null;
        return ClusterNodeSettings.Parse(
            Given(_roles) ?? string.Join(",", n.Roles),
            Given(_host) ?? n.Host,
            (parse.GetValue(_port) ?? n.Port).ToString(CultureInfo.InvariantCulture),
            Given(_seedNodes) ?? string.Join(",", n.SeedNodes),
            (parse.GetValue(_localRanks) ?? n.LocalRanks).ToString(CultureInfo.InvariantCulture),
            parse.GetValue(_insecure) || n.Insecure ? "on" : "off",
            (key, value, rule) => new UsageException($"--{key} {value}: {rule}"));
    }

    private static TResult Open<TArgument, TResult>(string option, TArgument argument, Func<TArgument, TResult> open)
    {
        try
        {
            return open(argument);
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or Core.Traces.TraceFormatException)
        {
            // A URI may hold a password: never echo one.
            throw new UsageException(argument is string uri ? $"{option} {EndpointCatalog.Redact(uri)}: {e.Message}" : $"{option}: {e.Message}");
        }
    }


    private static double ParseNonNegative(string raw) =>
        double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && double.IsFinite(v)
            ? v : throw new FormatException("not a number ≥ 0");

    private static TimeSpan? ParseSeconds(string raw, bool allowOff)
    {
        if (allowOff && raw.Trim().Equals("off", StringComparison.OrdinalIgnoreCase)) return null;
        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && double.IsFinite(v) && (v > 0 || !allowOff)
            ? TimeSpan.FromSeconds(v)
            : throw new FormatException(allowOff ? "not a positive number of seconds, or off" : "not a number of seconds ≥ 0");
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
