using Akka.Configuration;
using Scheduler.Runtime.Hosting;

namespace Scheduler.Runtime.Tests.Hosting;

/// <summary>Which nodes run socket completions inline: the setting, the roles that decide <c>auto</c>, and the operator's
/// own environment variable winning.</summary>
public sealed class InlineSocketCompletionsTests
{
    private static ClusterNodeSettings Node(string roles) =>
        ClusterNodeSettings.Parse(roles, "127.0.0.1", "0", "", "4", "off", (k, v, r) => new ArgumentException($"{k} = {v}: {r}"));

    [Fact]
    public void Auto_runs_them_inline_only_on_nodes_without_the_ingress_role()
    {
        Assert.Equal("auto", InlineSocketCompletions.Mode(RuntimeConfig.Defaults, _ => null));
        Assert.True(InlineSocketCompletions.Wanted("auto", Node("rank-host")));
        Assert.False(InlineSocketCompletions.Wanted("auto", Node("balancer,ingress")));
        Assert.False(InlineSocketCompletions.Wanted("auto", Node("")));
        Assert.True(InlineSocketCompletions.Wanted("on", Node("balancer,ingress")));
        Assert.False(InlineSocketCompletions.Wanted("off", Node("rank-host")));
    }

    [Fact]
    public void The_environment_wins_over_the_file_and_a_bad_value_names_the_key()
    {
        var file = ConfigurationFactory.ParseString("scheduler.cluster.inline-socket-completions = off").WithFallback(RuntimeConfig.Defaults);
        Assert.Equal("off", InlineSocketCompletions.Mode(file, _ => null));
        Assert.Equal("on", InlineSocketCompletions.Mode(file, k => k == "SCHEDULER_CLUSTER_INLINE_SOCKET_COMPLETIONS" ? " ON " : null));

        var bad = ConfigurationFactory.ParseString("scheduler.cluster.inline-socket-completions = sometimes").WithFallback(RuntimeConfig.Defaults);
        var error = Assert.Throws<ConfigurationException>(() => InlineSocketCompletions.Mode(bad, _ => null));
        Assert.Contains("scheduler.cluster.inline-socket-completions", error.Message);
        Assert.Contains("auto, on or off", error.Message);
    }

    [Theory]
    [InlineData(null, true, true, "1")]
    [InlineData(null, false, false, null)]
    [InlineData("0", true, false, "0")]
    [InlineData("1", false, true, "1")]
    public void Apply_sets_the_runtime_switch_unless_the_operator_did(string? operatorValue, bool wanted, bool inline, string? after)
    {
        var env = new Dictionary<string, string?> { [InlineSocketCompletions.RuntimeVariable] = operatorValue };
        var result = InlineSocketCompletions.Apply(wanted, k => env.GetValueOrDefault(k), (k, v) => env[k] = v);
        Assert.Equal(inline, result);
        Assert.Equal(after, env[InlineSocketCompletions.RuntimeVariable]);
    }
}
