using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Scheduler.Cli.Tests.Deployment;

/// <summary>
/// docker/ as the tools that run it read it, without a container engine: Debian's docker-compose resolves the compose
/// file (it does not look for bind-mount sources, so the gitignored docker/certs may be absent), promtool checks the
/// Prometheus configuration, and the Dockerfile's runtime stage is read for its user.
/// </summary>
public sealed class DockerFilesTests
{
    private const string ComposeInstall = "apt-get install docker-compose";

    private static readonly string[] Services = ["balancer", "rank-a", "rank-b", "rabbitmq", "nats", "prometheus", "grafana"];

    private static YamlMappingNode Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static IEnumerable<string> Scalars(YamlNode? node) =>
        node is YamlSequenceNode sequence ? sequence.Children.Select(c => ((YamlScalarNode)c).Value!) : [];

    /// <summary>The value after <paramref name="option"/> in a service's command, or null.</summary>
    private static string? OptionValue(IReadOnlyList<string> command, string option)
    {
        var at = command.ToList().IndexOf(option);
        return at >= 0 && at + 1 < command.Count ? command[at + 1] : null;
    }

    /// <summary>The resolved compose file: <c>docker-compose config</c>, which validates it against the compose schema.</summary>
    private static async Task<YamlMappingNode> ResolvedCompose()
    {
        var config = await ExternalTool.RunAsync("docker-compose", ["-f", "docker/compose.yaml", "config"], ComposeInstall);
        Assert.True(config.ExitCode == 0, $"docker-compose config failed:\n{config.Output}");
        return Parse(config.Stdout);
    }

    /// <summary>Every target of the Prometheus job <c>scheduler</c>.</summary>
    private static HashSet<string> ScrapedTargets()
    {
        var prometheus = Parse(File.ReadAllText(CliRun.RepoFile("docker/prometheus/prometheus.yml")));
        var job = ((YamlSequenceNode)Child(prometheus, "scrape_configs")!).Children.Cast<YamlMappingNode>()
            .Single(j => Child(j, "job_name")?.ToString() == "scheduler");
        return ((YamlSequenceNode)Child(job, "static_configs")!).Children.Cast<YamlMappingNode>()
            .SelectMany(group => Scalars(Child(group, "targets")))
            .ToHashSet();
    }

    /// <summary>The host IPs a service publishes on: short form <c>IP:HOST:CONTAINER</c> (docker-compose 1.x) or long form.</summary>
    private static IEnumerable<string> PublishedHostIps(YamlMappingNode service) =>
        (Child(service, "ports") as YamlSequenceNode)?.Children.Select(port => port switch
        {
            YamlScalarNode scalar => scalar.Value!.Split(':') is { Length: 3 } parts ? parts[0] : "every interface",
            YamlMappingNode mapping => Child(mapping, "host_ip")?.ToString() ?? "every interface",
            _ => "every interface",
        }) ?? [];

    [Fact]
    public async Task Compose_file_resolves_to_the_three_nodes_their_broker_and_monitoring()
    {
        var services = (YamlMappingNode)Child(await ResolvedCompose(), "services")!;

        Assert.Equal(Services.Order(), services.Children.Keys.Select(k => k.ToString()).Order());
        foreach (var (name, service) in services.Children.Select(s => (s.Key.ToString(), (YamlMappingNode)s.Value)))
            Assert.All(PublishedHostIps(service), ip => Assert.True(ip == "127.0.0.1", $"{name} publishes a port on {ip}, not on 127.0.0.1 only"));
    }

    [Fact]
    public async Task Every_scheduler_node_binds_its_service_name_joins_the_balancer_over_TLS_and_is_scraped_by_prometheus()
    {
        var services = (YamlMappingNode)Child(await ResolvedCompose(), "services")!;
        var nodes = services.Children
            .Select(s => (Name: s.Key.ToString(), Command: Scalars(Child((YamlMappingNode)s.Value, "command")).ToList()))
            .Where(s => s.Command.FirstOrDefault() == "serve")
            .ToList();
        var scraped = ScrapedTargets();

        Assert.Equal(["balancer", "rank-a", "rank-b"], nodes.Select(n => n.Name).Order());
        var seedPort = OptionValue(nodes.Single(n => n.Name == "balancer").Command, "--port");
        foreach (var (name, command) in nodes)
        {
            var http = OptionValue(command, "--http");
            Assert.True(http is not null && Regex.IsMatch(http, @"^0\.0\.0\.0:\d+$"), $"{name}: --http {http} is not reachable from prometheus");
            var target = $"{name}:{http![(http.LastIndexOf(':') + 1)..]}";
            Assert.True(scraped.Contains(target), $"prometheus.yml does not scrape {target}; it scrapes {string.Join(", ", scraped)}");
            Assert.Equal(name, OptionValue(command, "--host"));
            Assert.Equal($"akka.ssl.tcp://scheduler@balancer:{seedPort}", OptionValue(command, "--seed-nodes"));
        }
        Assert.Equal(nodes.Count, scraped.Count);
    }

    [Fact]
    public async Task Prometheus_configuration_passes_promtool()
    {
        var check = await ExternalTool.RunAsync("promtool", ["check", "config", "docker/prometheus/prometheus.yml"], "apt-get install prometheus");

        Assert.True(check.ExitCode == 0, $"promtool check config failed:\n{check.Output}");
    }

    [Fact]
    public void Runtime_image_runs_as_a_user_other_than_root()
    {
        var lines = File.ReadAllLines(CliRun.RepoFile("docker/Dockerfile")).Select(l => l.Trim()).ToArray();
        var runtimeStage = Array.FindLastIndex(lines, l => l.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase));
        var users = lines.Skip(runtimeStage)
            .Select(l => Regex.Match(l, @"^USER\s+([^\s:]+)", RegexOptions.IgnoreCase))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .ToList();

        Assert.Contains("mcr.microsoft.com/dotnet/aspnet:", lines[runtimeStage]);
        Assert.NotEmpty(users);
        Assert.DoesNotContain(users[^1], new[] { "root", "0" });
    }
}
