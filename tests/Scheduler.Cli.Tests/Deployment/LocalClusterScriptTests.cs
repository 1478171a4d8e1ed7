namespace Scheduler.Cli.Tests.Deployment;

/// <summary>
/// scripts/local-cluster.sh without starting a cluster: it parses, prints its usage, and refuses a shape it cannot run
/// before starting anything.
/// </summary>
public sealed class LocalClusterScriptTests
{
    private const string Script = "scripts/local-cluster.sh";

    [Fact]
    public async Task Script_parses_and_help_prints_its_usage()
    {
        var syntax = await ExternalTool.RunAsync("bash", ["-n", Script], "apt-get install bash");
        var help = await ExternalTool.RunAsync("bash", [Script, "--help"], "apt-get install bash");

        Assert.True(syntax.ExitCode == 0, syntax.Output);
        Assert.Equal(0, help.ExitCode);
        Assert.StartsWith("usage: scripts/local-cluster.sh N", help.Stdout);
        Assert.Contains("--ranks G", help.Stdout);
    }

    [Fact]
    public async Task Fewer_ranks_than_rank_hosts_is_refused_before_any_node_starts()
    {
        var run = await ExternalTool.RunAsync("bash", [Script, "4", "--ranks", "2"], "apt-get install bash");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("3 rank hosts need at least as many ranks", run.Stderr);
        Assert.DoesNotContain("pid", run.Stdout);
    }
}
